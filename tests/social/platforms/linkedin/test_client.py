from __future__ import annotations

import pytest
import requests
from responses import matchers

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms.linkedin.client import LinkedInClient
from social.platforms.linkedin.client import escape_commentary

from ..helpers import IMAGE_URL
from ..helpers import PNG
from ..helpers import body_is
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization

POSTS = "https://api.linkedin.com/rest/posts"
IMAGES = "https://api.linkedin.com/rest/images"
AUTHOR = "urn:li:organization:2414183"
REST = {
    "LinkedIn-Version": "202607",
    "X-Restli-Protocol-Version": "2.0.0",
    "Content-Type": "application/json",
}
UPLOAD_URL = (
    "https://www.linkedin.com/dms-uploads/sp/v2/D4E10AQ/uploadedImage/0?ca=vector_feedshare&cn=uploads"
)
IMAGE_URN = "urn:li:image:D4E10AQHnmIS1"
SHARE = "urn:li:share:7150123456789012345"


@pytest.fixture
def client(make_account, progress):
    return LinkedInClient(
        make_account(Platform.LINKEDIN, external_id="2414183", author_urn=AUTHOR), on_progress=progress
    )


def post_body(commentary: str, content: dict | None = None, visibility: str = "PUBLIC") -> dict:
    body = {
        "author": AUTHOR,
        "commentary": commentary,
        "visibility": visibility,
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if content:
        body["content"] = content
    return body


def created(urn: str = SHARE) -> dict:
    return {"status": 201, "body": "", "headers": {"x-restli-id": urn}}


def duplicate(urn: str | None = SHARE) -> dict:
    message = "Content is a duplicate of " + (urn or "an existing post")
    return json_error(
        422,
        {
            "message": message,
            "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST", "input": {}}]},
            "status": 422,
        },
    )


# --- Publishing ---------------------------------------------------------------------------------------


def test_publish__text_post(client, mocked):
    mocked.post(
        POSTS,
        match=[
            with_headers(REST),
            matchers.json_params_matcher(post_body("Hello LinkedIn"), strict_match=True),
        ],
        **created(),
    )

    result = client.publish(payload("Hello LinkedIn"))

    assert result == PublishResult(
        platform_post_id=SHARE, platform_post_url=f"https://www.linkedin.com/feed/update/{SHARE}/"
    )


def test_publish__commentary_is_escaped_as_little_text(client, mocked):
    sent = "Q&A (today) [live] {now} @team *new* _x_ ~y~ <b> a|b back\\slash #AI # alone"
    escaped = "Q&A \\(today\\) \\[live\\] \\{now\\} \\@team \\*new\\* \\_x\\_ \\~y\\~ \\<b\\> a\\|b back\\\\slash #AI \\# alone"
    mocked.post(POSTS, match=[matchers.json_params_matcher(post_body(escaped))], **created())

    client.publish(payload(sent))

    assert escape_commentary("#hashtag stays") == "#hashtag stays"


def test_publish__visibility_option(client, mocked):
    mocked.post(
        POSTS, match=[matchers.json_params_matcher(post_body("hi", visibility="CONNECTIONS"))], **created()
    )

    assert client.publish(payload("hi", visibility="CONNECTIONS")).platform_post_id == SHARE


def test_publish__author_falls_back_to_a_person_urn(make_account, mocked):
    client = LinkedInClient(make_account(Platform.LINKEDIN, external_id="abc123"))
    body = post_body("hi") | {"author": "urn:li:person:abc123"}
    mocked.post(POSTS, match=[matchers.json_params_matcher(body)], **created())

    assert client.publish(payload("hi")).platform_post_id == SHARE


def test_publish__version_comes_from_settings(client, mocked, settings):
    settings.LINKEDIN_API_VERSION = "202601"
    mocked.post(POSTS, match=[with_headers(REST | {"LinkedIn-Version": "202601"})], **created())

    assert client.publish(payload("hi")).platform_post_id == SHARE


def test_publish__image_initialize_upload_then_put(client, mocked, progress):
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png", match=[without_authorization()])
    mocked.post(
        IMAGES,
        match=[
            matchers.query_param_matcher({"action": "initializeUpload"}),
            with_headers(REST),
            matchers.json_params_matcher({"initializeUploadRequest": {"owner": AUTHOR}}, strict_match=True),
        ],
        json={"value": {"uploadUrlExpiresAt": 1650567510704, "uploadUrl": UPLOAD_URL, "image": IMAGE_URN}},
    )
    mocked.put(
        UPLOAD_URL,
        match=[with_headers({"Content-Type": "image/png"}), body_is(PNG)],
        status=201,
    )

    def image_urn_saved_first(request):
        return (progress.last == {"image_urns": [IMAGE_URN]}, "image URN not saved before the create call")

    mocked.post(
        POSTS,
        match=[
            matchers.json_params_matcher(
                post_body("Look", {"media": {"id": IMAGE_URN, "altText": "A chart"}})
            ),
            image_urn_saved_first,
        ],
        **created(),
    )

    assert client.publish(payload("Look", image(alt_text="A chart"))).platform_post_id == SHARE


# --- Errors -------------------------------------------------------------------------------------------


def test_publish__duplicate_post_naming_the_urn_is_that_post(client, mocked):
    mocked.post(POSTS, **duplicate(SHARE))

    result = client.publish(payload("Same text as yesterday"))

    assert result == PublishResult(SHARE, f"https://www.linkedin.com/feed/update/{SHARE}/")


def test_publish__duplicate_post_without_a_urn_is_invalid(client, mocked):
    mocked.post(POSTS, **duplicate(None))

    error = publish_error(lambda: client.publish(payload("x")))

    assert (error.kind, error.http_status) == (ErrorKind.INVALID, 422)
    assert "duplicate" in error.message


@pytest.mark.parametrize(
    ("url", "response", "kind"),
    [
        (
            POSTS,
            json_error(
                422, {"message": "ERROR :: /author :: field is required but not found", "status": 422}
            ),
            ErrorKind.INVALID,
        ),
        (POSTS, json_error(401, {"message": "Invalid access token", "status": 401}), ErrorKind.AUTH),
        (POSTS, json_error(403, {"message": "Not enough permissions", "status": 403}), ErrorKind.INVALID),
        (POSTS, {"status": 429, "body": ""}, ErrorKind.TRANSIENT),
        (POSTS, {"status": 500, "body": "<html>"}, ErrorKind.UNKNOWN),
        (POSTS, {"status": 201, "body": ""}, ErrorKind.UNKNOWN),  # no x-restli-id header
        (POSTS, {"body": requests.ReadTimeout()}, ErrorKind.UNKNOWN),
    ],
    ids=["422", "401", "403", "429", "500", "no-id", "timeout"],
)
def test_publish__errors_of_the_create_call(client, mocked, url, response, kind):
    mocked.post(url, **response)

    assert publish_error(lambda: client.publish(payload("hi"))).kind == kind


def test_publish__429_retry_after(client, mocked):
    mocked.post(POSTS, status=429, body="", headers={"Retry-After": "3600"})

    assert publish_error(lambda: client.publish(payload("hi"))).retry_after == 3600


@pytest.mark.parametrize("failing", ["initialize", "put"])
def test_publish__image_upload_failures_are_transient(client, mocked, failing):
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png")
    if failing == "initialize":
        mocked.post(IMAGES, status=500, body="")
    else:
        mocked.post(IMAGES, json={"value": {"uploadUrl": UPLOAD_URL, "image": IMAGE_URN}})
        mocked.put(UPLOAD_URL, body=requests.ReadTimeout())

    assert publish_error(lambda: client.publish(payload("hi", image()))).kind == ErrorKind.TRANSIENT


def test_publish__an_image_type_linkedin_refuses(client, mocked):
    mocked.get(IMAGE_URL, body=b"RIFF....WEBP", content_type="image/webp")

    error = publish_error(lambda: client.publish(payload("hi", image())))

    assert error.kind == ErrorKind.INVALID
    assert "image/webp" in error.message


# --- Validation ---------------------------------------------------------------------------------------


def test_validate__commentary_at_the_limit_passes_and_one_over_fails(client):
    assert client.validate(payload("a" * 3_000)) == []
    assert client.validate(payload("a" * 3_001)) == ["3,001 characters, the limit is 3,000"]


def test_validate__media_and_options(client):
    assert client.validate(payload("", image())) == []
    assert client.validate(payload("x", image(), image())) == [
        "2 media items, a post here takes at most 1 image"
    ]
    assert client.validate(payload("x", video())) == [
        "media 1 is a video; LinkedIn video posts are not supported here yet"
    ]
    assert client.validate(payload("x", visibility="FRIENDS")) == [
        "visibility 'FRIENDS' is not one of PUBLIC, CONNECTIONS, LOGGED_IN"
    ]
    assert client.validate(payload(" ")) == ["the post has no text and no image"]


# --- Reconciliation -----------------------------------------------------------------------------------


def test_reconcile__the_duplicate_names_the_existing_post(client, mocked):
    mocked.post(POSTS, match=[matchers.json_params_matcher(post_body("Big news"))], **duplicate(SHARE))

    assert client.reconcile(in_doubt(payload("Big news"), image_urns=[])) == Found(
        SHARE, f"https://www.linkedin.com/feed/update/{SHARE}/"
    )


def test_reconcile__a_post_that_was_not_made_is_made_once_now(client, mocked):
    mocked.post(POSTS, **created("urn:li:share:2"))

    assert client.reconcile(in_doubt(payload("Big news"), image_urns=[])) == Found(
        "urn:li:share:2", "https://www.linkedin.com/feed/update/urn:li:share:2/"
    )


def test_reconcile__reuses_the_saved_image_without_uploading_again(client, mocked):
    content = {"media": {"id": IMAGE_URN}}
    mocked.post(POSTS, match=[matchers.json_params_matcher(post_body("Chart", content))], **duplicate(SHARE))

    assert (
        client.reconcile(in_doubt(payload("Chart", image()), image_urns=[IMAGE_URN])).platform_post_id
        == SHARE
    )
    assert len(mocked.calls) == 1


def test_reconcile__an_image_post_whose_upload_never_finished_was_not_made(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("Chart", image()))), NotFound)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "response",
    [{"status": 500, "body": ""}, {"body": requests.ReadTimeout()}, json_error(401, {"message": "expired"})],
    ids=["500", "timeout", "401"],
)
def test_reconcile__cannot_tell_when_the_probe_fails(client, mocked, response):
    mocked.post(POSTS, **response)

    assert isinstance(client.reconcile(in_doubt(payload("Big news"), image_urns=[])), CannotTell)


def test_reconcile__cannot_tell_without_commentary(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("", image()), image_urns=[IMAGE_URN])), CannotTell)
    assert len(mocked.calls) == 0
