"""The network's API through Django's test client: tokens, posts, idempotency, listing, uploads, faults."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from social.platforms.sandbox.models import Fault
from social.platforms.sandbox.models import SandboxGrant
from social.platforms.sandbox.models import SandboxMedia
from social.platforms.sandbox.models import SandboxPost
from social.platforms.sandbox.network import api
from social.platforms.sandbox.network import uploads
from social.platforms.sandbox.network.tokens import digest
from social.platforms.sandbox.network.tokens import grant_issue
from tests.media_library.files import make_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(monkeypatch):
    """The waits the network makes (latency, a lost answer), recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(api, "pause", waits.append)
    return waits


@pytest.fixture
def acme(on_network):
    return on_network("acme")


@pytest.fixture
def bearer(acme) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=acme).access_token}"}


def create(client, bearer, text="Hello", media_ids=(), **headers):
    return client.post(
        "/sandbox/api/v1/posts",
        data=json.dumps({"text": text, "media_ids": list(media_ids)}),
        content_type="application/json",
        **bearer,
        **headers,
    )


# --- tokens --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", ["", "Bearer nope", "Basic YWNtZTpwdw=="])
def test_api__without_a_live_token_is_401_with_the_bearer_challenge(client, acme, authorization):
    response = client.get("/sandbox/api/v1/me", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["error"] == "invalid_token"


def test_api__an_expired_token_is_refused(client, acme, bearer):
    SandboxGrant.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get("/sandbox/api/v1/me", **bearer).status_code == 401


def test_api__me_is_the_tokens_account(client, acme, bearer):
    assert client.get("/sandbox/api/v1/me", **bearer).json() == {
        "id": "acme",
        "handle": "acme",
        "display_name": "Acme",
    }


def test_api__tokens_are_kept_only_as_digests(acme):
    tokens = grant_issue(account=acme)

    grant = SandboxGrant.objects.get()
    assert grant.access_digest == digest(tokens.access_token) != tokens.access_token
    assert tokens.access_token not in repr(tokens) and tokens.access_token not in str(grant)


def test_api__every_call_takes_the_accounts_latency_else_the_setting(client, acme, bearer, held, settings):
    settings.SANDBOX_LATENCY_MS = "250"
    client.get("/sandbox/api/v1/me", **bearer)
    acme.latency_ms = 40
    acme.save()
    client.get("/sandbox/api/v1/me", **bearer)

    assert held == [0.25, 0.04]


# --- posts ---------------------------------------------------------------------------------------------


def test_posts__a_post_is_made_and_answered(client, acme, bearer):
    response = create(client, bearer, "Hello")

    assert response.status_code == 201
    answer = response.json()
    made = SandboxPost.objects.get()
    assert answer["id"] == made.pk and answer["text"] == "Hello" and answer["account"] == "acme"
    assert answer["url"] == f"http://testserver/sandbox/acme/#{made.pk}"
    assert answer["created_at"].endswith("Z")


def test_posts__the_same_idempotency_key_answers_the_first_post_instead_of_a_second(client, acme, bearer):
    first = create(client, bearer, "Hello", HTTP_IDEMPOTENCY_KEY="k-1")
    again = create(client, bearer, "Hello", HTTP_IDEMPOTENCY_KEY="k-1")
    other = create(client, bearer, "Hello", HTTP_IDEMPOTENCY_KEY="k-2")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert SandboxPost.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"text": "a" * 501}, 422, "501 characters, the limit is 500"),
        ({"text": ""}, 422, "no text and no media"),
        ({"text": "x", "media_ids": ["m_nope"]}, 422, "m_nope is not one of this account's uploads"),
        ({"text": 5}, 400, "text must be a string"),
        ([], 400, "must be a JSON object"),
    ],
)
def test_posts__what_the_network_refuses_is_said(client, acme, bearer, body, status, words):
    response = client.post(
        "/sandbox/api/v1/posts", data=json.dumps(body), content_type="application/json", **bearer
    )

    assert response.status_code == status
    assert words in response.json()["message"]
    assert not SandboxPost.objects.exists()


def test_posts__listing_since_a_time_newest_first_in_pages(client, acme, bearer):
    old = SandboxPost.objects.create(account=acme, text="old", created_at=timezone.now() - timedelta(hours=1))
    made = [create(client, bearer, f"post {number}").json()["id"] for number in range(3)]
    since = (timezone.now() - timedelta(minutes=5)).isoformat()

    first = client.get("/sandbox/api/v1/accounts/acme/posts", {"since": since, "limit": 2}, **bearer).json()
    second = client.get(
        "/sandbox/api/v1/accounts/acme/posts",
        {"since": since, "limit": 2, "before": first["next_before"]},
        **bearer,
    ).json()

    assert [item["id"] for item in first["posts"]] == made[:0:-1]
    assert [item["id"] for item in second["posts"]] == made[:1] and second["next_before"] is None
    assert old.pk not in {item["id"] for item in first["posts"] + second["posts"]}


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"since": "2026-03-01T10:00:00"}, {"limit": "0"}])
def test_posts__a_bad_listing_query_is_400(client, acme, bearer, query):
    assert client.get("/sandbox/api/v1/accounts/acme/posts", query, **bearer).status_code == 400


def test_posts__listing_an_unknown_account_is_404(client, acme, bearer):
    assert client.get("/sandbox/api/v1/accounts/nobody/posts", **bearer).status_code == 404


# --- faults --------------------------------------------------------------------------------------------


def test_faults__a_rate_limit_refuses_with_retry_after_and_makes_nothing(client, on_network, held):
    account = on_network("acme", fault=Fault.RATE_LIMIT)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=account).access_token}"}

    response = create(client, bearer)

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["error"] == "rate_limited"
    assert not SandboxPost.objects.exists()


def test_faults__a_transient_error_is_503_and_makes_nothing(client, on_network, held):
    account = on_network("acme", fault=Fault.UNAVAILABLE)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=account).access_token}"}

    response = create(client, bearer)

    assert response.status_code == 503
    assert not SandboxPost.objects.exists()


def test_faults__a_lost_answer_makes_the_post_and_holds_the_answer_past_the_read_timeout(
    client, on_network, held, settings
):
    settings.PLATFORM_READ_TIMEOUT = 7
    account = on_network("acme", fault=Fault.LOSE_ANSWER)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=account).access_token}"}

    response = create(client, bearer, "Hello")

    assert SandboxPost.objects.get().text == "Hello"
    assert held == [0, 8.0]  # no latency, then held one second past the publisher's read timeout
    assert response.status_code == 504
    assert SandboxPost.objects.get().pk not in response.content.decode()


def test_faults__a_counted_fault_meets_that_many_calls_then_turns_itself_off(client, on_network, held):
    account = on_network("acme", fault=Fault.UNAVAILABLE, fault_remaining=2)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=account).access_token}"}

    statuses = [create(client, bearer, f"try {number}").status_code for number in range(3)]

    assert statuses == [503, 503, 201]
    account.refresh_from_db()
    assert (account.fault, account.fault_remaining) == (Fault.NONE, None)


def test_faults__only_the_calls_that_make_a_post_meet_them(client, on_network, held):
    account = on_network("acme", fault=Fault.UNAVAILABLE)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=account).access_token}"}

    assert client.get("/sandbox/api/v1/me", **bearer).status_code == 200
    assert client.get("/sandbox/api/v1/accounts/acme/posts", **bearer).status_code == 200


# --- uploads -------------------------------------------------------------------------------------------


def announce(client, bearer, **fields):
    body = {"type": "image", "content_type": "image/png", "alt_text": "A square"} | fields
    return client.post(
        "/sandbox/api/v1/media", data=json.dumps(body), content_type="application/json", **bearer
    )


def piece(client, bearer, media_id, content: bytes, content_range: str):
    return client.put(
        f"/sandbox/api/v1/media/{media_id}/content",
        data=content,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=content_range,
        **bearer,
    )


def test_uploads__pieces_then_a_checked_file_that_a_post_takes(client, acme, bearer, tmp_path, media_root):
    png = make_png(tmp_path / "a.png", 64, 48).read_bytes()
    media_id = announce(client, bearer, size=len(png)).json()["id"]
    half = len(png) // 2

    first = piece(client, bearer, media_id, png[:half], f"bytes 0-{half - 1}/{len(png)}")
    last = piece(client, bearer, media_id, png[half:], f"bytes {half}-{len(png) - 1}/{len(png)}")
    made = create(client, bearer, "Look", [media_id])

    assert (first.status_code, first["Range"]) == (308, f"bytes=0-{half - 1}")
    assert last.status_code == 201
    assert (last.json()["width"], last.json()["height"], last.json()["state"]) == (64, 48, "ready")
    stored = SandboxMedia.objects.get()
    assert (media_root / stored.file.name).read_bytes() == png
    assert stored.file.name == f"sandbox/acme/{media_id}.png"
    assert made.json()["media"][0]["id"] == media_id


def test_uploads__bytes_that_are_not_what_was_announced_are_refused_and_dropped(client, acme, bearer):
    media_id = announce(client, bearer).json()["id"]

    response = piece(client, bearer, media_id, b"not a picture at all", "bytes 0-19/20")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_media"
    assert not SandboxMedia.objects.exists()


@pytest.mark.parametrize(
    ("content_range", "status", "error"),
    [
        ("bytes 5-9/10", 409, "offset_mismatch"),
        ("bytes 0-3/10", 400, "bad_range"),
        ("0-4/10", 400, "bad_range"),
        ("bytes 0-4/90000000", 413, "too_large"),
    ],
)
def test_uploads__a_piece_out_of_place_is_refused(client, acme, bearer, content_range, status, error):
    media_id = announce(client, bearer).json()["id"]

    response = piece(client, bearer, media_id, b"12345", content_range)

    assert (response.status_code, response.json()["error"]) == (status, error)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"type": "document"}, 422),
        ({"content_type": "image/bmp"}, 422),
        ({"size": 9_000_000}, 413),
        ({"alt_text": "a" * 1501}, 422),
        ({"size": -1}, 400),
    ],
)
def test_uploads__an_upload_the_network_does_not_take_is_refused_when_announced(
    client, acme, bearer, fields, status
):
    assert announce(client, bearer, **fields).status_code == status
    assert not SandboxMedia.objects.exists()


def test_uploads__another_accounts_upload_cannot_be_written_or_attached(client, acme, bearer, on_network):
    other = on_network("other")
    other_bearer = {"HTTP_AUTHORIZATION": f"Bearer {grant_issue(account=other).access_token}"}
    media_id = announce(client, other_bearer).json()["id"]

    assert piece(client, bearer, media_id, b"12345", "bytes 0-4/5").status_code == 404
    assert "not one of this account's uploads" in create(client, bearer, "x", [media_id]).json()["message"]


def test_uploads__one_left_incomplete_for_a_day_is_dropped_with_its_pieces(client, acme, bearer):
    media_id = announce(client, bearer, size=10).json()["id"]
    piece(client, bearer, media_id, b"12345", "bytes 0-4/10")
    part = uploads.PARTS_DIR / f"{media_id}.part"
    assert part.exists()
    SandboxMedia.objects.filter(pk=media_id).update(created_at=timezone.now() - timedelta(days=1, seconds=1))

    fresh = announce(client, bearer).json()["id"]

    assert list(SandboxMedia.objects.values_list("pk", flat=True)) == [fresh]
    assert not part.exists()
