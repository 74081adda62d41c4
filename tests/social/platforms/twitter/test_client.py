"""The X client: text posts and how X's errors are read."""

from __future__ import annotations

import time

import pytest
import requests
from responses import matchers
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import NewConnectionError

from social.models import Platform
from social.platforms import ErrorKind
from social.platforms import PublishResult
from social.platforms.twitter.client import TwitterClient

from ..helpers import IMAGE_URL
from ..helpers import PNG
from ..helpers import image
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import with_headers
from .wire import API
from .wire import JSON
from .wire import TWEETS
from .wire import created
from .wire import problem

# --- Publishing ---------------------------------------------------------------------------------------


def test_publish__text_post(client, mocked):
    mocked.post(
        TWEETS,
        match=[matchers.json_params_matcher({"text": "Hello, world"}, strict_match=True), with_headers(JSON)],
        **created(),
    )

    result = client.publish(payload("Hello, world"))

    assert result == PublishResult(
        platform_post_id="1880028106020515840",
        platform_post_url="https://x.com/janedoe/status/1880028106020515840",
    )


def test_publish__link_uses_i_without_a_username(make_account, mocked):
    client = TwitterClient(make_account(Platform.TWITTER, external_id="42"))
    mocked.post(TWEETS, **created("77"))

    assert client.publish(payload("Hi")).platform_post_url == "https://x.com/i/status/77"


def test_publish__api_url_comes_from_settings(client, mocked, settings):
    settings.TWITTER_API_URL = "https://x-proxy.internal/"
    mocked.post("https://x-proxy.internal/2/tweets", **created("5"))

    assert client.publish(payload("Hi")).platform_post_id == "5"


# --- Errors -------------------------------------------------------------------------------------------


def test_publish__401_is_auth(client, mocked):
    mocked.post(
        TWEETS,
        **problem(401, "Unauthorized", "Unauthorized"),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert (error.kind, error.http_status) == (ErrorKind.AUTH, 401)


def test_publish__403_duplicate_is_invalid(client, mocked):
    mocked.post(
        TWEETS,
        **problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."),
    )

    error = publish_error(lambda: client.publish(payload("again")))

    assert (error.kind, error.http_status) == (ErrorKind.INVALID, 403)
    assert "duplicate" in error.message


def test_publish__429_waits_until_x_rate_limit_reset(client, mocked):
    reset = int(time.time()) + 600
    mocked.post(
        TWEETS,
        **problem(
            429,
            "Too Many Requests",
            "Too Many Requests",
            **{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.TRANSIENT
    assert 590 <= error.retry_after <= 600


def post_refused_with_429(client, mocked, **headers: str):
    """The create call answered 429 with these rate-limit headers; returns the error the client raised."""
    mocked.post(TWEETS, **json_error(429, {"title": "Too Many Requests", "status": 429}, **headers))
    return publish_error(lambda: client.publish(payload("x")))


def test_publish__429_on_the_daily_user_cap_waits_for_that_reset(client, mocked):
    now = int(time.time())
    error = post_refused_with_429(
        client,
        mocked,
        **{
            "x-rate-limit-remaining": "40",
            "x-rate-limit-reset": str(now + 60),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(now + 7200),
        },
    )

    assert error.kind == ErrorKind.TRANSIENT
    assert 7190 <= error.retry_after <= 7200
    assert error.limit == "account", "the user's posting limit: the account's other posts wait for its reset"


def test_publish__429_on_the_apps_daily_cap_names_the_app(client, mocked):
    now = int(time.time())
    error = post_refused_with_429(
        client,
        mocked,
        **{"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": str(now + 3600)},
    )

    assert (error.kind, error.limit) == (ErrorKind.TRANSIENT, "app")
    assert 3590 <= error.retry_after <= 3600


def test_publish__a_429_on_an_upload_is_no_posting_limit(client, mocked):
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png")
    mocked.post(
        f"{API}/2/media/upload",
        **json_error(
            429,
            {"title": "Too Many Requests"},
            **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 60)},
        ),
    )

    error = publish_error(lambda: client.publish(payload("x", image())))

    assert (error.kind, error.limit) == (ErrorKind.TRANSIENT, None)


@pytest.mark.parametrize(
    ("url", "kind"),
    [(TWEETS, ErrorKind.UNKNOWN), (f"{API}/2/media/upload", ErrorKind.TRANSIENT)],
    ids=["create-call", "media-upload"],
)
def test_publish__503_is_unknown_on_create_and_transient_before(client, mocked, url, kind):
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png")
    if url == TWEETS:
        mocked.post(f"{API}/2/media/upload", json={"data": {"id": "1"}})
    mocked.post(
        url, status=503, body="<html><body>Service Unavailable</body></html>", content_type="text/html"
    )

    error = publish_error(lambda: client.publish(payload("x", image())))

    assert (error.kind, error.http_status) == (kind, 503)


def test_publish__html_body_on_201_is_unknown(client, mocked):
    mocked.post(TWEETS, status=201, body="<html>oops</html>", content_type="text/html")

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.UNKNOWN
    assert "not the documented JSON" in error.message


def test_publish__truncated_json_on_201_is_unknown(client, mocked):
    mocked.post(TWEETS, status=201, body='{"data": {"id": "18800', content_type="application/json")

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.UNKNOWN


def test_publish__201_without_an_id_is_unknown(client, mocked):
    mocked.post(TWEETS, status=201, json={"errors": [{"title": "something"}]})

    assert publish_error(lambda: client.publish(payload("x"))).kind == ErrorKind.UNKNOWN


def test_publish__400_problem_is_invalid_with_its_detail(client, mocked):
    mocked.post(
        TWEETS,
        **problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            type="https://api.x.com/2/problems/invalid-request",
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.INVALID
    assert "parameters to your request was invalid" in error.message


def test_publish__read_timeout_on_create_is_unknown(client, mocked):
    mocked.post(TWEETS, body=requests.ReadTimeout("read timed out"))

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.UNKNOWN
    assert "may exist" in error.message


def test_publish__connection_refused_is_transient(client, mocked):
    refused = requests.ConnectionError(
        MaxRetryError(None, "/2/tweets", NewConnectionError(None, "[Errno 111] Connection refused"))
    )
    mocked.post(TWEETS, body=refused)

    assert publish_error(lambda: client.publish(payload("x"))).kind == ErrorKind.TRANSIENT


def test_publish__invalid_payload_never_reaches_x(client, mocked):
    error = publish_error(lambda: client.publish(payload("a" * 281)))

    assert error.kind == ErrorKind.INVALID
    assert len(mocked.calls) == 0
