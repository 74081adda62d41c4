"""Every error is a problem document: 401, 403 (scope), 404, 405, 422, 429 with Retry-After, 500."""

from __future__ import annotations

import pytest

from api.models import ApiToken
from api.ratelimit import api_token_count_request

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import future
from .conftest import make_account
from .conftest import make_post
from .conftest import make_token

pytestmark = pytest.mark.django_db


def test_no_token_or_a_wrong_one__401_problem_with_www_authenticate(author):
    for client in (ApiClient(None), ApiClient("sched_aaaaaaaaaaaa_wrong")):
        body = assert_problem(client.get("/api/v1/posts"), 401)
        assert "Bearer" in body["detail"]
    response = ApiClient(None).get("/api/v1/posts")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_path_404_and_wrong_method_405_are_problems(api):
    body = assert_problem(api.get("/api/v1/nothing-here"), 404)
    assert "/api/v1/docs" in body["detail"]
    response = api.client.put(
        "/api/v1/accounts", {}, content_type="application/json", headers=api._headers(None)
    )
    body = assert_problem(response, 405)
    assert "PUT" in body["detail"] and "GET" in response["Allow"]


def test_invalid_body_422_names_the_field(api, author):
    account = make_account(author)
    response = api.post("/api/v1/posts", {"accounts": [account.pk], "scheduled_at": "2026-05-01T09:00:00"})
    body = assert_problem(response, 422, slug="validation")
    assert any(error["field"].startswith("scheduled_at") for error in body["errors"])
    response = api.get("/api/v1/posts", {"limit": 0})
    assert assert_problem(response, 422)["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    ("scopes", "method", "path", "body", "missing"),
    [
        (["write", "publish"], "get", "/api/v1/accounts", None, "read"),
        (["write", "publish"], "get", "/api/v1/posts", None, "read"),
        (["read"], "post", "/api/v1/posts", {"status": "DRAFT"}, "write"),
        (["read", "write"], "post", "/api/v1/posts", {"status": "SCHEDULED"}, "publish"),
        (["read", "write"], "post", "/api/v1/posts", {"status": "DRAFT", "scheduled_at": "now"}, "publish"),
        (
            ["read"],
            "post",
            "/api/v1/webhook-endpoints",
            {"url": "https://example.com", "events": []},
            "write",
        ),
    ],
)
def test_each_scope_is_required(author, scopes, method, path, body, missing):
    client = ApiClient(make_token(author, scopes=scopes))
    response = client.get(path) if method == "get" else client.post(path, body)
    problem = assert_problem(response, 403, slug="scope")
    assert repr(missing) in problem["detail"]


def test_post_actions_need_publish_and_edits_of_drafts_need_only_write(author):
    account = make_account(author)
    draft = make_post(author, [account], status="DRAFT")
    writer = ApiClient(make_token(author, scopes=["read", "write"]))
    assert writer.patch(f"/api/v1/posts/{draft.pk}", {"text": "Edited"}).status_code == 200
    assert writer.post(f"/api/v1/posts/{draft.pk}/cancel").status_code == 200
    for action in ("publish-now", "retry-failed", "queue"):
        assert_problem(writer.post(f"/api/v1/posts/{draft.pk}/{action}"), 403, slug="scope")
    assert_problem(
        writer.patch(f"/api/v1/posts/{draft.pk}", {"status": "SCHEDULED", "scheduled_at": future()}), 403
    )


def test_rate_limit__429_with_retry_after_per_token(author, other_user, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client, other = ApiClient(make_token(author)), ApiClient(make_token(other_user))
    assert [client.get("/api/v1/accounts").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/accounts")
    assert_problem(response, 429, slug="rate-limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert other.get("/api/v1/accounts").status_code == 200  # each token has its own budget


def test_rate_limit__the_window_restarts_each_minute(author):
    token = ApiToken.objects.get(key_id=make_token(author).split("_")[1])
    assert api_token_count_request(token=token, now=120.0)[0] == 1
    assert api_token_count_request(token=token, now=150.0) == (2, 30.0)
    assert api_token_count_request(token=token, now=180.0)[0] == 1


def test_rate_limit_zero_turns_it_off(api, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    assert all(api.get("/api/v1/accounts").status_code == 200 for _ in range(5))


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(api, monkeypatch, caplog):
    from api.endpoints import accounts

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded SECRET-DETAIL")

    monkeypatch.setattr(accounts, "social_accounts_usable_by", broken)
    response = api.get("/api/v1/accounts")
    body = assert_problem(response, 500)
    assert "SECRET-DETAIL" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "logged" in body["detail"]
    assert "database exploded" in caplog.text
    assert api.token not in caplog.text  # the token is never logged
