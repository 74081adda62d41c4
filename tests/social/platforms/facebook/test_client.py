from __future__ import annotations

import json

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms.facebook.client import FacebookClient

from ..helpers import IMAGE_URL
from ..helpers import STARTED_AT
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers

PAGE = "546349135390552"
GRAPH = "https://graph.facebook.com/v25.0"
FEED = f"{GRAPH}/{PAGE}/feed"
PHOTOS = f"{GRAPH}/{PAGE}/photos"


@pytest.fixture
def client(make_account):
    return FacebookClient(make_account(Platform.FACEBOOK, external_id=PAGE))


def form(**fields: str):
    return matchers.urlencoded_params_matcher(fields)


# --- Publishing ---------------------------------------------------------------------------------------


def test_publish__text_post_to_the_feed(client, mocked):
    mocked.post(
        FEED, match=[form(message="Hello fans"), with_headers()], json={"id": f"{PAGE}_1116689038356556"}
    )

    result = client.publish(payload("Hello fans"))

    assert result == PublishResult(
        platform_post_id=f"{PAGE}_1116689038356556",
        platform_post_url=f"https://www.facebook.com/{PAGE}_1116689038356556",
    )


def test_publish__link_post(client, mocked):
    mocked.post(
        FEED,
        match=[form(message="For math geniuses", link="https://projecteuler.net")],
        json={"id": f"{PAGE}_2"},
    )

    result = client.publish(payload("For math geniuses", link="https://projecteuler.net"))

    assert result.platform_post_id == f"{PAGE}_2"


def test_publish__image_post_through_photos_records_the_post_id(client, mocked):
    mocked.post(
        PHOTOS,
        match=[
            form(url=IMAGE_URL, caption="Our new office", alt_text_custom="A bright room"),
            with_headers(),
        ],
        json={"id": "10158", "post_id": f"{PAGE}_3"},
    )

    result = client.publish(payload("Our new office", image(alt_text="A bright room")))

    assert result.platform_post_id == f"{PAGE}_3"


def test_publish__api_version_comes_from_settings(client, mocked, settings):
    settings.FACEBOOK_API_VERSION = "v24.0"
    mocked.post(f"https://graph.facebook.com/v24.0/{PAGE}/feed", json={"id": f"{PAGE}_4"})

    assert client.publish(payload("hi")).platform_post_id == f"{PAGE}_4"


def test_publish__the_token_goes_in_the_header_not_the_url(client, mocked):
    mocked.post(FEED, json={"id": f"{PAGE}_5"})

    client.publish(payload("hi"))

    request = mocked.calls[0].request
    assert "access_token" not in request.url and "access_token" not in (request.body or "")


# --- Errors -------------------------------------------------------------------------------------------


def meta_error(
    code: int, status: int = 400, subcode: int | None = None, transient: bool | None = None, **headers
):
    error = {"message": f"error {code}", "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    return json_error(status, {"error": error}, **headers)


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (meta_error(190, subcode=463), ErrorKind.AUTH),
        (meta_error(102), ErrorKind.AUTH),
        (meta_error(1), ErrorKind.TRANSIENT),
        (meta_error(2, transient=True), ErrorKind.TRANSIENT),
        (meta_error(4, status=403), ErrorKind.TRANSIENT),
        (meta_error(17), ErrorKind.TRANSIENT),
        (meta_error(32), ErrorKind.TRANSIENT),
        (meta_error(341), ErrorKind.TRANSIENT),
        (meta_error(613), ErrorKind.TRANSIENT),
        (meta_error(9999, transient=True), ErrorKind.TRANSIENT),
        (meta_error(506), ErrorKind.INVALID),
        (meta_error(10, status=403), ErrorKind.INVALID),
        (meta_error(200, status=403), ErrorKind.INVALID),
        (meta_error(368), ErrorKind.TRANSIENT),  # "temporarily blocked": Meta says wait and retry later
        (meta_error(100), ErrorKind.INVALID),
        # A 5xx on the create call may have made the post, whatever the code says.
        (meta_error(2, status=500), ErrorKind.UNKNOWN),
        ({"status": 502, "body": "<html>Bad Gateway</html>", "content_type": "text/html"}, ErrorKind.UNKNOWN),
    ],
)
def test_publish__graph_errors_map_to_kinds(client, mocked, response, kind):
    mocked.post(FEED, **response)

    error = publish_error(lambda: client.publish(payload("hi")))

    assert error.kind == kind
    assert error.http_status == response["status"]


def test_publish__a_temporary_policy_block_waits_at_least_an_hour(client, mocked):
    mocked.post(FEED, **meta_error(368))

    error = publish_error(lambda: client.publish(payload("hi")))

    assert error.kind == ErrorKind.TRANSIENT
    assert error.retry_after >= 3600


def test_publish__duplicate_message_is_named(client, mocked):
    mocked.post(FEED, **json_error(400, {"error": {"message": "Duplicate status message", "code": 506}}))

    error = publish_error(lambda: client.publish(payload("hi")))

    assert (
        error.message
        == "Facebook answered HTTP 400 to create the Page post: Duplicate status message (code 506)"
    )


def test_publish__rate_limit_waits_for_the_business_use_case_estimate(client, mocked):
    usage = {"546349135390552": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 15}]}
    mocked.post(FEED, **meta_error(32, **{"X-Business-Use-Case-Usage": json.dumps(usage)}))

    error = publish_error(lambda: client.publish(payload("hi")))

    assert (error.kind, error.retry_after) == (ErrorKind.TRANSIENT, 900)


def test_publish__unreadable_success_is_unknown(client, mocked):
    mocked.post(FEED, status=200, body="<!DOCTYPE html><html>", content_type="text/html")

    assert publish_error(lambda: client.publish(payload("hi"))).kind == ErrorKind.UNKNOWN


def test_publish__success_without_an_id_is_unknown(client, mocked):
    mocked.post(PHOTOS, json={"success": True})

    assert publish_error(lambda: client.publish(payload("hi", image()))).kind == ErrorKind.UNKNOWN


def test_publish__read_timeout_on_the_feed_is_unknown(client, mocked):
    mocked.post(FEED, body=requests.ReadTimeout())

    assert publish_error(lambda: client.publish(payload("hi"))).kind == ErrorKind.UNKNOWN


# --- Validation ---------------------------------------------------------------------------------------


def test_validate__text_at_the_limit_passes_and_one_over_fails(client):
    assert client.validate(payload("a" * 63_206)) == []
    assert client.validate(payload("a" * 63_207)) == ["63,207 characters, the limit is 63,206"]


def test_validate__media(client):
    assert client.validate(payload("", image())) == []
    assert client.validate(payload("x", image(), image())) == [
        "2 media items, a Page post here takes at most 1 image"
    ]
    assert client.validate(payload("x", video())) == [
        "media 1 is a video; Page posts here take an image only"
    ]
    assert client.validate(payload("x", image(), link="https://a.example")) == [
        "a post with an image cannot also carry a link; put the link in the text"
    ]
    assert client.validate(payload("x", link="javascript:alert(1)")) == [
        "the link option must be an http(s) URL"
    ]
    assert client.validate(payload("  ")) == ["the post has no text, image or link"]


# --- Reconciliation -----------------------------------------------------------------------------------

PUBLISHED = f"{GRAPH}/{PAGE}/published_posts"
SINCE = str(int(STARTED_AT.timestamp()) - 300)


def listing(**extra: str):
    return matchers.query_param_matcher(
        {"since": SINCE, "fields": "id,message,created_time", "limit": "100", **extra}
    )


def test_reconcile__found_by_message(client, mocked):
    mocked.get(
        PUBLISHED,
        match=[listing(), with_headers()],
        json={
            "data": [
                {"id": f"{PAGE}_8", "message": "Other", "created_time": "2025-03-01T12:00:05+0000"},
                {"id": f"{PAGE}_9", "message": "Hello  fans\n", "created_time": "2025-03-01T12:00:01+0000"},
            ]
        },
    )

    assert client.reconcile(in_doubt(payload("Hello fans"))) == Found(
        f"{PAGE}_9", f"https://www.facebook.com/{PAGE}_9"
    )


def test_reconcile__follows_the_after_cursor_of_a_full_page(client, mocked):
    full_page = [{"id": f"{PAGE}_{n}", "message": f"post {n}"} for n in range(100)]
    mocked.get(
        PUBLISHED, match=[listing()], json={"data": full_page, "paging": {"cursors": {"after": "QVFI"}}}
    )
    mocked.get(
        PUBLISHED, match=[listing(after="QVFI")], json={"data": [{"id": f"{PAGE}_x", "message": "Hello"}]}
    )

    assert client.reconcile(in_doubt(payload("Hello"))).platform_post_id == f"{PAGE}_x"


def test_reconcile__not_found(client, mocked):
    mocked.get(PUBLISHED, json={"data": [{"id": f"{PAGE}_1", "message": "Something else"}]})

    assert isinstance(client.reconcile(in_doubt(payload("Hello"))), NotFound)


@pytest.mark.parametrize(
    "response",
    [
        meta_error(190),
        meta_error(4),
        {"status": 500, "body": "oops"},
        {"body": requests.ConnectionError("reset")},
    ],
    ids=["auth", "throttled", "500", "connection"],
)
def test_reconcile__cannot_tell_when_the_listing_fails(client, mocked, response):
    mocked.get(PUBLISHED, **response)

    assert isinstance(client.reconcile(in_doubt(payload("Hello"))), CannotTell)


def test_reconcile__cannot_tell_a_post_without_a_message(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("", image()))), CannotTell)
    assert len(mocked.calls) == 0
