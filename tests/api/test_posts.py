"""Posts through the API: the admin's services and rules, the author's local time, another's post 404."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from social.models import Platform

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import future
from .conftest import grant
from .conftest import make_account
from .conftest import make_post
from .conftest import make_token

pytestmark = pytest.mark.django_db


def test_post_create__scheduled_with_local_time_and_location(api, author):
    account = make_account(author)
    response = api.create_post(
        account,
        text="Launch day",
        scheduled_at="2030-07-01T09:30:00+02:00",
        timezone="Europe/Paris",
        platforms={"TWITTER": {"content": "Launch! (X)"}},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    post = ScheduledPost.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/posts/{post.pk}"
    assert post.created_by == author and post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == datetime(2030, 7, 1, 7, 30, tzinfo=UTC)
    assert post.metadata == {"platforms": {"TWITTER": {"content": "Launch! (X)"}}}
    assert body["scheduled_at"] == "2030-07-01T07:30:00+00:00"
    assert body["local"] == {"at": "2030-07-01T09:30:00+02:00", "display": "2030-07-01 09:30 CEST"}
    assert body["accounts"][0]["status"] == "PENDING" and body["accounts"][0]["attempts"] == []


def test_post_create__dst_instants_in_the_authors_zone(api, author):
    account = make_account(author)
    # New York falls back on 2030-11-03: 01:30 happens twice. The first (EDT) is kept as written.
    first = api.create_post(
        account, text="a", scheduled_at="2030-11-03T01:30:00-04:00", timezone="America/New_York"
    )
    assert first.status_code == 201, first.content
    assert first.json()["local"]["display"] == "2030-11-03 01:30 EDT"
    # The second 01:30 (EST) cannot be written as that zone's wall time: refused, saying why.
    second = api.create_post(
        account, text="b", scheduled_at="2030-11-03T01:30:00-05:00", timezone="America/New_York"
    )
    body = assert_problem(second, 422, slug="validation")
    assert body["errors"][0]["field"] == "scheduled_at" and "fall back" in body["errors"][0]["message"]


def test_post_create__platform_refusal_names_the_platform_and_field(api, author):
    account = make_account(author)
    response = api.post(
        "/api/v1/posts", {"accounts": [account.pk], "text": "x" * 300, "scheduled_at": future()}
    )
    body = assert_problem(response, 422, slug="validation")
    platform_errors = [error for error in body["errors"] if error.get("platform") == "TWITTER"]
    assert platform_errors and platform_errors[0]["field"] == "platforms.TWITTER"
    assert platform_errors[0]["message"].startswith("X: ")
    assert not ScheduledPost.objects.exists()


def test_post_create__as_a_draft_platform_problems_do_not_stop_it(api, author):
    account = make_account(author)
    response = api.post("/api/v1/posts", {"accounts": [account.pk], "text": "x" * 300, "status": "DRAFT"})
    assert response.status_code == 201
    assert ScheduledPost.objects.get().status == PostStatus.DRAFT


def test_post_create__another_users_account_is_refused_as_missing(api, author, other_user):
    theirs = make_account(other_user)
    body = assert_problem(
        api.post("/api/v1/posts", {"accounts": [theirs.pk], "text": "hi", "scheduled_at": future()}), 422
    )
    assert body["errors"] == [{"field": "accounts", "message": f"Account {theirs.pk} does not exist."}]


def test_post_create__now_and_past(api, author):
    account = make_account(author)
    now = api.post("/api/v1/posts", {"accounts": [account.pk], "text": "now!", "scheduled_at": "now"})
    assert now.status_code == 201
    assert ScheduledPost.objects.get().scheduled_at <= timezone.now()
    past = api.post(
        "/api/v1/posts", {"accounts": [account.pk], "text": "late", "scheduled_at": future(days=-1)}
    )
    assert assert_problem(past, 422)["errors"][0]["field"] == "scheduled_at"


def test_post_create__media_by_url_and_bad_url(api, author):
    account = make_account(author)
    good = api.create_post(
        account,
        text="pic",
        scheduled_at=future(),
        media=[{"url": "https://cdn.example.com/a.jpg", "alt_text": "A cat"}],
    )
    assert good.status_code == 201, good.content
    assert good.json()["media"] == [
        {"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "A cat"}
    ]
    bad = api.create_post(account, text="pic", scheduled_at=future(), media=[{"url": "ftp://x/a.jpg"}])
    assert assert_problem(bad, 422)["errors"][0]["field"] == "media"
    both = api.post(
        "/api/v1/posts", {"accounts": [account.pk], "media": [{"url": "https://a/b.jpg", "asset": 1}]}
    )
    assert_problem(both, 422)


def test_post_read__results_links_and_attempt_history(api, author):
    account = make_account(author)
    post = make_post(author, {account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    post_account = post.post_accounts.get()
    post_account.platform_post_id = "1789"
    post_account.platform_post_url = "https://x.com/brand/status/1789"
    post_account.save()
    started = timezone.now() - timedelta(minutes=5)
    PublishAttempt.objects.create(
        post_account=post_account,
        started_at=started,
        finished_at=started,
        outcome=AttemptOutcome.FAILED,
        error_kind="TRANSIENT",
        http_status=503,
        error_message="X: try later",
    )
    PublishAttempt.objects.create(
        post_account=post_account, started_at=started + timedelta(minutes=1), outcome=AttemptOutcome.PUBLISHED
    )
    body = api.get(f"/api/v1/posts/{post.pk}").json()
    result = body["accounts"][0]
    assert result["status"] == "PUBLISHED" and result["url"] == "https://x.com/brand/status/1789"
    assert [attempt["outcome"] for attempt in result["attempts"]] == ["FAILED", "PUBLISHED"]
    assert result["attempts"][0]["http_status"] == 503


def test_another_users_post_is_404_everywhere(api, other_user):
    theirs = make_post(other_user, [make_account(other_user)])
    for response in (
        api.get(f"/api/v1/posts/{theirs.pk}"),
        api.patch(f"/api/v1/posts/{theirs.pk}", {"text": "hijack"}),
        api.post(f"/api/v1/posts/{theirs.pk}/cancel"),
        api.post(f"/api/v1/posts/{theirs.pk}/publish-now"),
        api.delete(f"/api/v1/posts/{theirs.pk}"),
    ):
        assert_problem(response, 404)
    assert api.get("/api/v1/posts").json()["items"] == []
    theirs.refresh_from_db()
    assert (theirs.content, theirs.status) == ("Hello from the scheduler", PostStatus.SCHEDULED)


def test_view_permission_sees_but_only_change_others_may_change(django_user_model, author, other_user):
    theirs = make_post(other_user, [make_account(other_user)])
    viewer = grant(
        django_user_model.objects.create_user(username="viewer"), "view_scheduledpost", "change_scheduledpost"
    )
    client = ApiClient(make_token(viewer))
    assert client.get(f"/api/v1/posts/{theirs.pk}").status_code == 200
    body = assert_problem(client.post(f"/api/v1/posts/{theirs.pk}/cancel"), 403)
    assert "other people's posts" in body["detail"]
    lead = grant(viewer, "change_others_scheduledpost")
    assert ApiClient(make_token(lead)).post(f"/api/v1/posts/{theirs.pk}/cancel").status_code == 200


def test_post_list__filters(api, author):
    x, linkedin = make_account(author), make_account(author, Platform.LINKEDIN)
    soon = make_post(author, [x], scheduled_at=timezone.now() + timedelta(hours=1))
    later = make_post(
        author, [linkedin], scheduled_at=timezone.now() + timedelta(days=3), status=PostStatus.DRAFT
    )
    failed = make_post(
        author,
        {x: AccountStatus.FAILED},
        status=PostStatus.FAILED,
        scheduled_at=timezone.now() - timedelta(days=1),
    )

    def ids(**params):
        response = api.get("/api/v1/posts", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [failed.pk, soon.pk, later.pk]
    assert ids(order="desc") == [later.pk, soon.pk, failed.pk]
    assert ids(status=["DRAFT", "FAILED"]) == [failed.pk, later.pk]
    assert ids(account=linkedin.pk) == [later.pk]
    assert ids(
        scheduled_after=timezone.now().isoformat(),
        scheduled_before=(timezone.now() + timedelta(days=1)).isoformat(),
    ) == [soon.pk]


def test_post_times__an_offset_postgresql_cannot_store_names_its_utc_instant(api, author):
    # Python reads "-22:09" (any offset under a day); PostgreSQL refuses offsets beyond 15:59. Found by the
    # schema fuzzer as a 500; the API takes the instant such a time names.
    account = make_account(author)
    response = api.create_post(account, text="far west", scheduled_at="2030-07-01T00:00:00-22:09")
    assert response.status_code == 201, response.content
    post = ScheduledPost.objects.get(pk=response.json()["id"])
    assert post.scheduled_at == datetime(2030, 7, 1, 22, 9, tzinfo=UTC)

    listed = api.get(
        "/api/v1/posts",
        {"scheduled_after": "2030-07-01T00:00:00-22:08", "scheduled_before": "2030-07-01T00:00:00-22:10"},
    )
    assert listed.status_code == 200, listed.content
    assert [item["id"] for item in listed.json()["items"]] == [post.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platforms": {"TWITTER": {"content": "fine", "note\u0000": 1}}}, "platforms"),
        ({"media": [{"url": "https://cdn.example.com/a.png", "alt_text": "a\u0000b"}]}, "media.0.alt_text"),
        ({"text": "a\u0000b"}, "text"),
    ],
    ids=["platform-option-key", "media-alt-text", "text"],
)
def test_post_create__a_nul_character_is_refused_by_field_not_a_500(api, author, body, field):
    # PostgreSQL stores no U+0000 (in jsonb or text); found by the schema fuzzer as a 500.
    account = make_account(author)
    response = api.create_post(account, **{"text": "hello", "scheduled_at": future(), **body})
    problem = assert_problem(response, 422, slug="validation")
    assert [error["field"] for error in problem["errors"]] == [field]
    assert not ScheduledPost.objects.exists()


def test_post_list__pages_stay_stable_while_posts_are_added(api, author, django_assert_max_num_queries):
    account = make_account(author)
    base = timezone.now() + timedelta(days=1)
    posts = [make_post(author, [account], scheduled_at=base + timedelta(hours=i)) for i in range(6)]
    tie = make_post(author, [account], scheduled_at=posts[2].scheduled_at)  # same time: ordered by id
    with django_assert_max_num_queries(8):
        first = api.get("/api/v1/posts", {"limit": 3}).json()
    seen = [item["id"] for item in first["items"]]
    assert seen == [posts[0].pk, posts[1].pk, posts[2].pk]
    # Added meanwhile: one before the cursor (never shown on later pages), one after (shown in order).
    make_post(author, [account], scheduled_at=base - timedelta(hours=1))
    added_after = make_post(author, [account], scheduled_at=base + timedelta(hours=3, minutes=30))
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/posts", {"limit": 3, "cursor": cursor}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [
        posts[0].pk,
        posts[1].pk,
        posts[2].pk,
        tie.pk,
        posts[3].pk,
        added_after.pk,
        posts[4].pk,
        posts[5].pk,
    ]
    assert_problem(api.get("/api/v1/posts", {"cursor": first["next_cursor"], "order": "desc"}), 422)


def test_post_update__partial_and_refused_while_publishing(api, author):
    account = make_account(author)
    post = make_post(
        author,
        [account],
        status=PostStatus.DRAFT,
        content="Draft",
        metadata={"media": [{"url": "https://a.example/x.jpg", "type": "image"}]},
    )
    body = api.patch(
        f"/api/v1/posts/{post.pk}", {"text": "Better", "platforms": {"TWITTER": {"content": "X!"}}}
    ).json()
    assert body["text"] == "Better" and body["status"] == "DRAFT"
    post.refresh_from_db()
    assert post.metadata == {
        "media": [{"url": "https://a.example/x.jpg", "type": "image"}],
        "platforms": {"TWITTER": {"content": "X!"}},
    }
    scheduled = api.patch(f"/api/v1/posts/{post.pk}", {"status": "SCHEDULED", "scheduled_at": future(2)})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "SCHEDULED"
    ScheduledPost.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHING)
    refused = assert_problem(
        api.patch(f"/api/v1/posts/{post.pk}", {"text": "Too late"}), 409, slug="not-allowed-now"
    )
    assert "being published" in refused["detail"] or "publishing" in refused["detail"]
    post.refresh_from_db()
    assert post.content == "Better"


def test_post_actions__cancel_publish_now_retry_delete(api, author):
    account = make_account(author)
    post = make_post(author, [account])
    assert api.post(f"/api/v1/posts/{post.pk}/cancel").json()["status"] == "CANCELLED"
    assert_problem(api.post(f"/api/v1/posts/{post.pk}/cancel"), 409, slug="not-allowed-now")
    assert api.post(f"/api/v1/posts/{post.pk}/publish-now").json()["status"] == "SCHEDULED"
    post.refresh_from_db()
    assert post.scheduled_at <= timezone.now()
    failed = make_post(
        author,
        {account: AccountStatus.FAILED, make_account(author): AccountStatus.PUBLISHED},
        status=PostStatus.PARTIALLY_PUBLISHED,
    )
    body = api.post(f"/api/v1/posts/{failed.pk}/retry-failed").json()
    assert body["status"] == "SCHEDULED"
    assert sorted(item["status"] for item in body["accounts"]) == ["PENDING", "PUBLISHED"]
    assert_problem(api.post(f"/api/v1/posts/{failed.pk}/retry-failed"), 409)
    draft = make_post(author, [account], status=PostStatus.DRAFT)
    assert api.delete(f"/api/v1/posts/{draft.pk}").status_code == 204
    assert not ScheduledPost.objects.filter(pk=draft.pk).exists()
    published = make_post(author, {account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    assert_problem(api.delete(f"/api/v1/posts/{published.pk}"), 409)


def test_post_check__counts_per_platform_without_saving(api, author):
    x, linkedin = make_account(author), make_account(author, Platform.LINKEDIN)
    body = api.post(
        "/api/v1/posts/check", {"accounts": [x.pk, linkedin.pk], "text": "y" * 300, "scheduled_at": future()}
    ).json()
    assert body["valid"] is False
    by_platform = {item["platform"]: item for item in body["accounts"]}
    assert by_platform["TWITTER"]["text_length_limit"] == 280 and by_platform["TWITTER"]["problems"]
    assert by_platform["LINKEDIN"]["problems"] == []
    assert any(error.get("platform") == "TWITTER" for error in body["errors"])
    assert (
        api.post("/api/v1/posts/check", {"accounts": [x.pk], "text": "ok", "scheduled_at": future()}).json()[
            "valid"
        ]
        is True
    )
    assert not ScheduledPost.objects.exists()
