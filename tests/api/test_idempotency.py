"""Idempotency-Key: a replay gets the first answer, another request with the key is refused, concurrent
requests with one key do the work once, refusals are kept, failures are not, secrets are not kept."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyRecord
from calendar_app.models import ScheduledPost
from notifications.models import WebhookEndpoint

from ..planning.concurrency import run_together
from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import future
from .conftest import make_account
from .conftest import make_token

pytestmark = pytest.mark.django_db


def _body(account):
    return {"accounts": [account.pk], "text": "Once only", "scheduled_at": future()}


def test_replay_returns_the_first_answer_and_does_the_work_once(api, author):
    account = make_account(author)
    body = _body(account)
    first = api.post("/api/v1/posts", body, headers={"Idempotency-Key": "key-1"})
    again = api.post("/api/v1/posts", body, headers={"Idempotency-Key": "key-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert ScheduledPost.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.response_status == 201
    assert "Once only" not in record.fingerprint  # a hash, not the request


def test_the_same_key_with_another_body_or_path_is_refused(api, author):
    account = make_account(author)
    post_id = api.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "key-1"}).json()["id"]
    other = api.post(
        "/api/v1/posts", {**_body(account), "text": "Different"}, headers={"Idempotency-Key": "key-1"}
    )
    assert_problem(other, 422, slug="idempotency-key-reused")
    elsewhere = api.post(f"/api/v1/posts/{post_id}/cancel", headers={"Idempotency-Key": "key-1"})
    assert_problem(elsewhere, 422, slug="idempotency-key-reused")
    assert ScheduledPost.objects.count() == 1


def test_keys_are_per_token(author):
    account = make_account(author)
    one, two = ApiClient(make_token(author)), ApiClient(make_token(author))
    for client in (one, two):
        assert (
            client.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "shared"}).status_code
            == 201
        )
    assert ScheduledPost.objects.count() == 2


def test_a_refusal_is_kept_and_replayed_and_undoes_its_work(api, author):
    account = make_account(author)
    body = {**_body(account), "scheduled_at": "queue"}  # no posting schedule: refused after the post was made
    first = api.post("/api/v1/posts", body, headers={"Idempotency-Key": "q"})
    assert_problem(first, 422)
    assert not ScheduledPost.objects.exists()  # the draft made before queueing was rolled back
    again = api.post("/api/v1/posts", body, headers={"Idempotency-Key": "q"})
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_failure_is_not_kept_so_a_retry_does_the_work(api, author, monkeypatch):
    from api.endpoints import posts

    account = make_account(author)
    real = posts.post_create
    monkeypatch.setattr(posts, "post_create", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("boom")))
    assert_problem(api.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "k"}), 500)
    assert not IdempotencyRecord.objects.exists() and not ScheduledPost.objects.exists()
    monkeypatch.setattr(posts, "post_create", real)
    assert api.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "k"}).status_code == 201


def test_keys_expire_after_24_hours(api, author):
    account = make_account(author)
    api.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    assert api.post("/api/v1/posts", _body(account), headers={"Idempotency-Key": "old"}).status_code == 201
    assert ScheduledPost.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_a_bad_key_is_refused(api, author):
    response = api.post("/api/v1/posts", _body(make_account(author)), headers={"Idempotency-Key": "x" * 256})
    assert assert_problem(response, 422)["errors"][0]["field"] == "Idempotency-Key"


def test_a_webhook_secret_is_shown_once_and_never_kept(author, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    from .conftest import grant

    admin = grant(author, "add_webhookendpoint", "view_webhookendpoint", "change_webhookendpoint")
    client = ApiClient(make_token(admin))
    body = {"url": "http://127.0.0.1:9/hook", "events": ["post.published"]}
    first = client.post("/api/v1/webhook-endpoints", body, headers={"Idempotency-Key": "wh"})
    assert first.status_code == 201, first.content
    secret = first.json()["secret"]
    assert secret.startswith("whsec_") and secret == WebhookEndpoint.objects.get().secret
    replay = client.post("/api/v1/webhook-endpoints", body, headers={"Idempotency-Key": "wh"})
    assert replay.json()["secret"] is None and replay.json()["id"] == first.json()["id"]
    assert WebhookEndpoint.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM api_idempotencyrecord")
        assert secret not in json.dumps(cursor.fetchall())


@pytest.mark.postgres_only(reason="two connections answering at once, a unique index holding the second")
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_do_the_work_once(author):
    account = make_account(author)
    token = make_token(author)
    body = _body(account)

    def send():
        response = ApiClient(token).post("/api/v1/posts", body, headers={"Idempotency-Key": "race"})
        return response.status_code, response.json().get("id")

    answers = run_together(send, times=4)
    assert ScheduledPost.objects.count() == 1
    post_id = ScheduledPost.objects.get().pk
    assert answers and all(answer == (201, post_id) for answer in answers), answers
