from __future__ import annotations

import base64
import time

import pytest
import requests
from responses import matchers
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import NewConnectionError

from social.models import Platform
from social.platforms import CannotTell
from social.platforms import ErrorKind
from social.platforms import Found
from social.platforms import MediaItem
from social.platforms import NotFound
from social.platforms import PublishResult
from social.platforms import StillProcessing
from social.platforms.twitter import client as twitter
from social.platforms.twitter.client import TwitterClient
from social.platforms.twitter.client import same_post_text
from social.platforms.twitter.twitter_text import weighted_length

from ..helpers import IMAGE_URL
from ..helpers import PNG
from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import image
from ..helpers import in_doubt
from ..helpers import json_error
from ..helpers import payload
from ..helpers import publish_error
from ..helpers import video
from ..helpers import with_headers
from ..helpers import without_authorization

API = "https://api.x.com"
TWEETS = f"{API}/2/tweets"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(make_account):
    account = make_account(Platform.TWITTER, external_id="2244994945", username="janedoe")
    client = TwitterClient(account)
    client.sleep = lambda seconds: None
    return client


def created(post_id: str = "1880028106020515840") -> dict:
    return {"status": 201, "json": {"data": {"id": post_id, "text": "…", "edit_history_post_ids": [post_id]}}}


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


def test_publish__images_uploaded_through_v2_media_upload(client, mocked):
    second = "https://cdn.example.com/second.jpg"
    mocked.get(IMAGE_URL, body=PNG, content_type="image/png", match=[without_authorization()])
    mocked.post(
        f"{API}/2/media/upload",
        match=[
            with_headers(JSON),
            # Only media, media_category (and additional_owners) are in X's schema of this body.
            matchers.json_params_matcher(
                {"media": base64.b64encode(PNG).decode(), "media_category": "tweet_image"}, strict_match=True
            ),
        ],
        json={"data": {"id": "111", "media_key": "3_111", "size": len(PNG)}},
    )
    mocked.get(second, body=b"\xff\xd8jpeg", headers={"Content-Type": "application/octet-stream"})
    mocked.post(
        f"{API}/2/media/upload",
        match=[
            matchers.json_params_matcher(
                {"media": base64.b64encode(b"\xff\xd8jpeg").decode(), "media_category": "tweet_image"},
                strict_match=True,
            )
        ],
        json={"data": {"id": "222", "media_key": "3_222"}},
    )
    mocked.post(
        TWEETS,
        match=[matchers.json_params_matcher({"text": "Two photos", "media": {"media_ids": ["111", "222"]}})],
        **created("9"),
    )

    result = client.publish(payload("Two photos", image(), image(second)))

    assert result.platform_post_id == "9"


def test_publish__video_uploaded_in_chunks_then_waited_for(client, mocked, monkeypatch):
    monkeypatch.setattr(twitter, "UPLOAD_CHUNK_BYTES", 1000)
    body = bytes(range(256)) * 10  # 2,560 bytes: three segments of 1,000, 1,000 and 560
    mocked.get(VIDEO_URL, body=body, headers={"Content-Type": "video/mp4", "Content-Length": str(len(body))})
    mocked.post(
        f"{API}/2/media/upload/initialize",
        match=[
            with_headers(JSON),
            matchers.json_params_matcher(
                {"media_type": "video/mp4", "total_bytes": 2560, "media_category": "tweet_video"},
                strict_match=True,
            ),
        ],
        json={"data": {"id": "555", "media_key": "7_555", "expires_after_secs": 86400}},
    )
    for index, part in enumerate((body[:1000], body[1000:2000], body[2000:])):
        mocked.post(
            f"{API}/2/media/upload/555/append",
            match=[
                with_headers(),
                matchers.multipart_matcher(
                    {"media": ("chunk", part, "application/octet-stream")}, data={"segment_index": str(index)}
                ),
            ],
            json={"data": {"expires_at": 1735689600}},
        )
    mocked.post(
        f"{API}/2/media/upload/555/finalize",
        json={"data": {"id": "555", "processing_info": {"state": "pending", "check_after_secs": 3}}},
    )
    mocked.get(
        f"{API}/2/media/upload",
        match=[matchers.query_param_matcher({"command": "STATUS", "media_id": "555"}), with_headers()],
        json={"data": {"id": "555", "processing_info": {"state": "succeeded", "progress_percent": 100}}},
    )
    mocked.post(
        TWEETS,
        # A media-only post still sends text, empty: X's schema defaults it to "" "so it is always sent".
        match=[
            matchers.json_params_matcher({"text": "", "media": {"media_ids": ["555"]}}, strict_match=True)
        ],
        **created("10"),
    )
    waits = []
    client.sleep = waits.append

    result = client.publish(payload("", video()))

    assert result.platform_post_id == "10"
    assert waits == [3]


def test_publish__video_processing_failed_is_invalid(client, mocked):
    mocked.get(VIDEO_URL, body=b"v" * 10, headers={"Content-Type": "video/mp4", "Content-Length": "10"})
    mocked.post(f"{API}/2/media/upload/initialize", json={"data": {"id": "9"}})
    mocked.post(f"{API}/2/media/upload/9/append", json={"data": {}})
    mocked.post(
        f"{API}/2/media/upload/9/finalize",
        json={
            "data": {"id": "9", "processing_info": {"state": "failed", "error": {"message": "InvalidMedia"}}}
        },
    )

    error = publish_error(lambda: client.publish(payload("clip", video())))

    assert error.kind == ErrorKind.INVALID
    assert "InvalidMedia" in error.message


def test_publish__image_over_5_mb_is_refused_before_uploading(client, mocked):
    mocked.get(
        IMAGE_URL, body=b"", headers={"Content-Type": "image/png", "Content-Length": str(5 * 1024 * 1024 + 1)}
    )

    error = publish_error(lambda: client.publish(payload("big", image())))

    assert error.kind == ErrorKind.INVALID
    assert "5 MB" in error.message


def uploaded_video(mocked, media_id: str = "555", size: int = 10) -> None:
    mocked.get(
        VIDEO_URL, body=b"v" * size, headers={"Content-Type": "video/mp4", "Content-Length": str(size)}
    )
    mocked.post(f"{API}/2/media/upload/initialize", json={"data": {"id": media_id}})
    mocked.post(f"{API}/2/media/upload/{media_id}/append", json={"data": {}})


def media_status(mocked, media_id: str, state: str, check_after: int = 5) -> None:
    info = {"state": state, "check_after_secs": check_after} if state else None
    mocked.get(
        f"{API}/2/media/upload",
        match=[matchers.query_param_matcher({"command": "STATUS", "media_id": media_id}), with_headers()],
        json={"data": {"id": media_id, **({"processing_info": info} if info else {})}},
    )


def test_publish__a_video_still_processing_is_handed_on_with_its_media_id_saved(client, mocked):
    """After a short wait the call ends "still processing" instead of polling for minutes (before: a
    TRANSIENT failure after 180 s, and the retry uploaded the video again)."""
    progress = Progress()
    client.save_progress = progress
    client.media_wait_seconds = 10
    uploaded_video(mocked)
    mocked.post(
        f"{API}/2/media/upload/555/finalize",
        json={"data": {"id": "555", "processing_info": {"state": "pending", "check_after_secs": 5}}},
    )
    media_status(mocked, "555", "in_progress", check_after=5)
    media_status(mocked, "555", "in_progress", check_after=8)
    waits = []
    client.sleep = waits.append

    with pytest.raises(StillProcessing) as caught:
        client.publish(payload("clip", video()))

    assert progress.saved == [{"media_ids": ["555"]}]
    assert caught.value.check_after == 8
    assert waits == [5, 5]
    assert not [call for call in mocked.calls if call.request.url == TWEETS]


def test_resume__makes_the_post_once_x_has_processed_the_saved_video(client, mocked):
    media_status(mocked, "555", "succeeded")
    mocked.post(
        TWEETS,
        match=[
            matchers.json_params_matcher({"text": "clip", "media": {"media_ids": ["555"]}}, strict_match=True)
        ],
        **created("12"),
    )

    assert client.resume(in_doubt(payload("clip", video()), media_ids=["555"])).platform_post_id == "12"
    assert not [call for call in mocked.calls if call.request.url.startswith(VIDEO_URL)], (
        "never uploaded again"
    )


def test_resume__still_processing_again(client, mocked):
    media_status(mocked, "555", "in_progress", check_after=30)

    with pytest.raises(StillProcessing) as caught:
        client.resume(in_doubt(payload("clip", video()), media_ids=["555"]))
    assert caught.value.check_after == 30


def test_resume__processing_that_failed_is_invalid(client, mocked):
    mocked.get(
        f"{API}/2/media/upload",
        json={
            "data": {
                "id": "555",
                "processing_info": {"state": "failed", "error": {"message": "InvalidMedia"}},
            }
        },
    )

    error = publish_error(lambda: client.resume(in_doubt(payload("clip", video()), media_ids=["555"])))
    assert error.kind == ErrorKind.INVALID and "InvalidMedia" in error.message


def test_resume__media_x_no_longer_has_is_uploaded_again(client, mocked):
    mocked.get(
        f"{API}/2/media/upload", **json_error(400, {"title": "Invalid Request", "detail": "bad media_id"})
    )
    uploaded_video(mocked, media_id="556")
    mocked.post(f"{API}/2/media/upload/556/finalize", json={"data": {"id": "556"}})
    mocked.post(
        TWEETS,
        match=[matchers.json_params_matcher({"text": "clip", "media": {"media_ids": ["556"]}})],
        **created("13"),
    )

    assert client.resume(in_doubt(payload("clip", video()), media_ids=["555"])).platform_post_id == "13"


def test_publish__a_video_over_512_mb_is_refused_before_uploading(client, mocked):
    mocked.get(VIDEO_URL, body=b"", headers={"Content-Type": "video/mp4", "Content-Length": str(512_000_001)})

    error = publish_error(lambda: client.publish(payload("big", video())))

    assert error.kind == ErrorKind.INVALID and "512 MB" in error.message
    assert len(mocked.calls) == 1, "only the download was opened"


def test_publish__gif_url_of_a_missing_file_is_invalid(client, mocked):
    gif = MediaItem(url="https://cdn.example.com/gone.gif", type="gif")
    mocked.get(gif.url, status=404)

    error = publish_error(lambda: client.publish(payload("", gif)))

    assert (error.kind, error.http_status) == (ErrorKind.INVALID, 404)


# --- Errors -------------------------------------------------------------------------------------------


def test_publish__401_is_auth(client, mocked):
    mocked.post(
        TWEETS,
        **json_error(
            401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert (error.kind, error.http_status) == (ErrorKind.AUTH, 401)


def test_publish__403_duplicate_is_invalid(client, mocked):
    mocked.post(
        TWEETS,
        **json_error(
            403,
            {
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        ),
    )

    error = publish_error(lambda: client.publish(payload("again")))

    assert (error.kind, error.http_status) == (ErrorKind.INVALID, 403)
    assert "duplicate" in error.message


def test_publish__429_waits_until_x_rate_limit_reset(client, mocked):
    reset = int(time.time()) + 600
    mocked.post(
        TWEETS,
        **json_error(
            429,
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            **{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.TRANSIENT
    assert 590 <= error.retry_after <= 600


def test_publish__429_on_the_daily_user_cap_waits_for_that_reset(client, mocked):
    now = int(time.time())
    mocked.post(
        TWEETS,
        **json_error(
            429,
            {"title": "Too Many Requests", "status": 429},
            **{
                "x-rate-limit-remaining": "40",
                "x-rate-limit-reset": str(now + 60),
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(now + 7200),
            },
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

    assert error.kind == ErrorKind.TRANSIENT
    assert 7190 <= error.retry_after <= 7200
    assert error.limit == "account", "the user's posting limit: the account's other posts wait for its reset"


def test_publish__429_on_the_apps_daily_cap_names_the_app(client, mocked):
    now = int(time.time())
    mocked.post(
        TWEETS,
        **json_error(
            429,
            {"title": "Too Many Requests", "status": 429},
            **{"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": str(now + 3600)},
        ),
    )

    error = publish_error(lambda: client.publish(payload("x")))

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
        **json_error(
            400,
            {
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.x.com/2/problems/invalid-request",
                "status": 400,
            },
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


# --- Validation at each limit's edge ------------------------------------------------------------------

LONG_URL = "https://example.com/" + "path/" * 30


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("日" * 140, 280),
        ("a" * 256 + " " + LONG_URL, 280),
        ("👨\u200d👩\u200d👧\u200d👦" * 140, 280),  # a family emoji is one sequence of 7 code points
        ("👍🏽" * 140, 280),
        ("é" * 280, 280),
        ("e\u0301" * 280, 280),  # counted after NFC, as é
        ("visit example.com today", 6 + 23 + 6),
        ("bit.ly/x1 and file.py", 23 + 5 + 23),  # .py is Paraguay's TLD: X links file.py too
    ],
)
def test_weighted_length__counts_as_x_does(text, length):
    assert weighted_length(text) == length


@pytest.mark.parametrize(
    "text",
    ["a" * 280, "日" * 140, "a" * 256 + " " + LONG_URL, "👨\u200d👩\u200d👧\u200d👦" * 140],
    ids=["ascii", "cjk", "url", "emoji"],
)
def test_validate__at_280_passes(client, text):
    assert client.validate(payload(text)) == []


@pytest.mark.parametrize(
    "text",
    ["a" * 281, "日" * 140 + "a", "a" * 257 + " " + LONG_URL, "👨\u200d👩\u200d👧\u200d👦" * 140 + "a"],
    ids=["ascii", "cjk", "url", "emoji"],
)
def test_validate__at_281_fails(client, text):
    assert client.validate(payload(text)) == [
        "281 characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 "
        "(25,000 if the account has X Premium and long posts turned on)"
    ]


@pytest.mark.parametrize(
    ("text", "x_counts"),
    [
        ("a" * 262 + " example.de", 286),  # a bare ccTLD domain is a link
        ("a" * 262 + " shop.club", 286),  # so is one with any gTLD in twitter-text's list
        ("詳細はこちら https://example.com/news" + "日本語" * 70, 456),  # the link ends before the CJK
    ],
    ids=["bare-cctld", "bare-new-gtld", "cjk-after-url"],
)
def test_validate__refuses_what_x_counts_over_280(client, text, x_counts):
    assert client.validate(payload(text)) == [
        f"{x_counts} characters as X counts them (links 23, emoji and wide characters 2), the limit is 280 "
        "(25,000 if the account has X Premium and long posts turned on)"
    ]


@pytest.mark.parametrize(
    "text",
    ["a" * 256 + " https://en.wikipedia.org/wiki/Foo_(bar)", "a" * 256 + " bbc.co.uk"],
    ids=["parentheses-in-the-link", "second-level-cctld"],
)
def test_validate__accepts_what_x_counts_as_280(client, text):
    assert client.validate(payload(text)) == []


@pytest.mark.parametrize(
    ("text", "codes", "pronoun"),
    [
        ("\ufeffhello", "U+FEFF", "it"),
        ("hello\uffff", "U+FFFF", "it"),
        ("a\ufffeb\ufeffc\ufffe", "U+FFFE, U+FEFF", "them"),
    ],
    ids=["byte-order-mark", "non-character", "several"],
)
def test_validate__refuses_characters_x_refuses(client, text, codes, pronoun):
    assert client.validate(payload(text)) == [
        f"the text contains {codes}, which X refuses (an invisible character, often pasted in from "
        f"another app); remove {pronoun}"
    ]


def test_validate__long_posts_allow_25000_for_an_x_premium_account(make_account):
    account = make_account(Platform.TWITTER, external_id="77", long_posts=True)
    client = TwitterClient(account)

    assert client.validate(payload("a" * 25_000)) == []
    assert client.validate(payload("日" * 12_500 + " https://example.com/" + "a" * 100)) == [
        "25,024 characters as X counts them (links 23, emoji and wide characters 2), the limit is 25,000"
    ]


def test_validate__long_posts_is_only_a_true_flag(make_account):
    client = TwitterClient(make_account(Platform.TWITTER, external_id="78", long_posts="yes"))

    assert client.validate(payload("a" * 281))[0].startswith("281 characters as X counts them")


def test_validate__media_limits(client):
    gif = MediaItem(url="https://cdn.example.com/a.gif", type="gif")
    assert client.validate(payload("", *[image()] * 4)) == []
    assert client.validate(payload("", *[image()] * 5)) == ["5 images, the limit is 4"]
    assert client.validate(payload("", gif)) == []
    assert client.validate(payload("", video(), image())) == [
        "a GIF or a video must be the post's only media item"
    ]
    assert client.validate(payload("")) == ["the post has no text and no media"]
    assert client.validate(payload("x", MediaItem(url="ftp://a/b.pdf", type="document"))) == [
        "media 1 is a document; X takes images, a GIF or a video",
        "media 1 needs an http(s) URL",
    ]


@pytest.mark.parametrize(
    ("size", "seconds", "problems"),
    [
        (512_000_000, 140.0, []),
        (512_000_001, 30.0, ["media 1 is 512.0 MB; X takes a video up to 512 MB"]),
        (1_000, 0.4, ["media 1 is a video of 0.4 s; X takes videos of 0.5 to 140 seconds"]),
        (1_000, 140.5, ["media 1 is a video of 140.5 s; X takes videos of 0.5 to 140 seconds"]),
        (None, None, []),  # a bare URL: its size is checked when downloaded, its length by X
    ],
    ids=["at-the-limits", "too-big", "too-short", "too-long", "unknown"],
)
def test_validate__a_video_whose_size_and_length_are_known(client, size, seconds, problems):
    item = MediaItem(url=VIDEO_URL, type="video", size_bytes=size, duration_seconds=seconds)
    assert client.validate(payload("clip", item)) == problems


# --- Reconciliation -----------------------------------------------------------------------------------

TIMELINE = f"{API}/2/users/2244994945/tweets"


def timeline_query(**extra: str):
    return matchers.query_param_matcher(
        {
            "start_time": "2025-03-01T11:58:00Z",
            "max_results": "100",
            "tweet.fields": "created_at,text",
            "exclude": "retweets,replies",
            **extra,
        }
    )


def test_reconcile__found_by_text_with_tco_links(client, mocked):
    sent = payload("Launch day & more: https://example.com/launch", image())
    mocked.get(
        TIMELINE,
        match=[timeline_query(), with_headers()],
        json={
            "data": [
                {"id": "1", "text": "Something else", "created_at": "2025-03-01T12:00:01.000Z"},
                {
                    "id": "2",
                    "text": "Launch day &amp; more: https://t.co/abc https://t.co/media1",
                    "created_at": "2025-03-01T12:00:02.000Z",
                },
            ],
            "meta": {"result_count": 2},
        },
    )

    assert client.reconcile(in_doubt(sent)) == Found("2", "https://x.com/janedoe/status/2")


def test_reconcile__follows_the_next_page(client, mocked):
    mocked.get(
        TIMELINE,
        match=[timeline_query()],
        json={"data": [{"id": "1", "text": "no"}], "meta": {"next_token": "N1"}},
    )
    mocked.get(
        TIMELINE,
        match=[timeline_query(pagination_token="N1")],
        json={"data": [{"id": "3", "text": "hello"}], "meta": {}},
    )

    assert client.reconcile(in_doubt(payload("hello"))).platform_post_id == "3"


def test_reconcile__not_found_when_the_listing_lacks_it(client, mocked):
    mocked.get(TIMELINE, json={"meta": {"result_count": 0}})

    assert isinstance(client.reconcile(in_doubt(payload("hello"))), NotFound)


@pytest.mark.parametrize(
    "response",
    [
        json_error(429, {"title": "Too Many Requests", "status": 429}),
        {"status": 503, "body": "<html>down</html>"},
        {"status": 200, "body": "<html>not json</html>"},
        {"body": requests.ReadTimeout("slow")},
    ],
    ids=["429", "503", "html", "timeout"],
)
def test_reconcile__cannot_tell_when_the_lookup_fails(client, mocked, response):
    mocked.get(TIMELINE, **response)

    assert isinstance(client.reconcile(in_doubt(payload("hello"))), CannotTell)


def test_reconcile__cannot_tell_a_post_without_text(client, mocked):
    assert isinstance(client.reconcile(in_doubt(payload("", image()))), CannotTell)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("listed", "sent", "same"),
    [
        ("hello https://t.co/x", "hello", True),
        ("hello world", "hello", False),
        ("hello", "hello world", False),
        ("read https://t.co/a now", "read https://example.com/a now", True),
        ("a &lt;b&gt;", "a <b>", True),
    ],
)
def test_same_post_text(listed, sent, same):
    assert same_post_text(listed, sent) is same
