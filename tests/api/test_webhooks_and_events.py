"""Webhook endpoints (the notifications services) and events through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Event
from notifications.models import EventType
from notifications.models import WebhookEndpoint

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import grant
from .conftest import make_account
from .conftest import make_post
from .conftest import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(author, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback in tests
    return grant(author, "add_webhookendpoint", "view_webhookendpoint", "change_webhookendpoint")


def test_webhook_endpoints__create_read_rotate_disable_enable(operator):
    client = ApiClient(make_token(operator))
    created = client.post(
        "/api/v1/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "events": ["post.failed", "post.published"], "description": "CMS"},
    )
    assert created.status_code == 201, created.content
    assert "no-store" in created["Cache-Control"]
    body = created.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret and body["events"] == ["post.published", "post.failed"]
    read = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}").json()
    assert "secret" not in read and read["is_active"] is True
    assert "whsec_" not in client.get("/api/v1/webhook-endpoints").content.decode()
    rotated = client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret").json()
    endpoint.refresh_from_db()
    assert rotated["secret"] == endpoint.secret != body["secret"]
    assert client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/disable").json()["is_active"] is False
    assert client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/enable").json()["is_active"] is True


def test_webhook_endpoints__refusals_name_the_field(operator, settings):
    client = ApiClient(make_token(operator))
    bad_event = assert_problem(
        client.post(
            "/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/h", "events": ["post.exploded"]}
        ),
        422,
    )
    assert bad_event["errors"][0]["field"] == "events"
    settings.WEBHOOK_ALLOW_PRIVATE = False
    private = assert_problem(
        client.post("/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/h", "events": ["post.failed"]}),
        422,
    )
    assert private["errors"][0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_webhook_endpoints__need_their_permissions(api, operator):
    endpoint = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/h", events=["post.failed"], secret="whsec_x"
    )
    stranger = ApiClient(make_token(type(operator).objects.create_user(username="stranger")))
    assert stranger.get("/api/v1/webhook-endpoints").json()["items"] == []
    assert_problem(stranger.get(f"/api/v1/webhook-endpoints/{endpoint.pk}"), 404)
    assert_problem(
        stranger.post(
            "/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/h", "events": ["post.failed"]}
        ),
        403,
    )


def test_events__of_visible_posts_and_accounts_newest_first_in_pages(
    api, author, other_user, django_user_model
):
    mine = make_post(author, [make_account(author)])
    theirs = make_post(other_user, [make_account(other_user)])
    now = timezone.now()
    old = Event.objects.create(
        type=EventType.POST_FAILED, post=mine, data={"post_id": mine.pk}, created_at=now - timedelta(hours=2)
    )
    new = Event.objects.create(
        type=EventType.POST_PUBLISHED,
        post=mine,
        data={"post_id": mine.pk},
        created_at=now - timedelta(hours=1),
    )
    Event.objects.create(type=EventType.POST_PUBLISHED, post=theirs, data={}, created_at=now)
    Event.objects.create(type=EventType.PUBLISHER_STALLED, data={}, created_at=now)
    first = api.get("/api/v1/events", {"limit": 1}).json()
    second = api.get("/api/v1/events", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [item["id"] for item in first["items"] + second["items"]] == [str(new.id), str(old.id)]
    assert second["next_cursor"] is None
    assert [item["id"] for item in api.get("/api/v1/events", {"type": ["post.failed"]}).json()["items"]] == [
        str(old.id)
    ]
    assert_problem(api.get("/api/v1/events", {"type": ["nope"]}), 422)
    ops = grant(django_user_model.objects.create_user(username="ops"), "view_event")
    assert len(ApiClient(make_token(ops)).get("/api/v1/events").json()["items"]) == 4
