"""Threads' Graph API and token endpoints at the wire, as `responses` answers with the shapes Meta
documents, and what the client tests read back: the requests made and the stages saved."""

from __future__ import annotations

from typing import Any

from responses import matchers

from tests.social.fakes import client_id
from tests.social.fakes import client_secret
from tests.social.fakes import redirect_uri

from ..helpers import IMAGE_URL
from ..helpers import VIDEO_URL
from ..helpers import Progress
from ..helpers import image
from ..helpers import json_error
from ..helpers import payload
from ..helpers import video
from ..helpers import with_headers

USER = "7126419331"
GRAPH = "https://graph.threads.net/v1.0"
CONTAINERS = f"{GRAPH}/{USER}/threads"
PUBLISH = f"{GRAPH}/{USER}/threads_publish"
QUOTA = f"{GRAPH}/{USER}/threads_publishing_limit"
CONTAINER = "17889615691921648"
POST = "18028373432078125"
PERMALINK = "https://www.threads.net/@acme/post/C8xYz1aBcDe"

# A carousel of an image, a video and a second image with alt text, and its containers.
ITEMS = ["17890000000000001", "17890000000000002", "17890000000000003"]
CAROUSEL = "17890000000000099"
PHOTO_2 = "https://cdn.example.com/photo-2.jpg"


def items_created(mocked) -> None:
    container_created(mocked, ITEMS[0], media_type="IMAGE", image_url=IMAGE_URL, is_carousel_item="true")
    container_created(mocked, ITEMS[1], media_type="VIDEO", video_url=VIDEO_URL, is_carousel_item="true")
    container_created(
        mocked, ITEMS[2], media_type="IMAGE", image_url=PHOTO_2, alt_text="The team", is_carousel_item="true"
    )


CAROUSEL_POST = payload("Our week", image(), video(), image(PHOTO_2, alt_text="The team"))


def form(**fields: str) -> Any:
    """The request's form body is exactly these fields."""
    return matchers.urlencoded_params_matcher(fields)


def quota(mocked, usage: int = 3, total: int = 250) -> None:
    mocked.get(
        QUOTA,
        match=[matchers.query_param_matcher({"fields": "quota_usage,config"}), with_headers()],
        json={"data": [{"quota_usage": usage, "config": {"quota_total": total, "quota_duration": 86400}}]},
    )


def container_created(mocked, container: str = CONTAINER, **fields: str) -> None:
    mocked.post(CONTAINERS, match=[form(**fields), with_headers()], json={"id": container})


def container_status(mocked, status: str, container: str = CONTAINER, error_message: str = "") -> None:
    body = {"status": status, "id": container}
    if error_message:
        body["error_message"] = error_message
    mocked.get(
        f"{GRAPH}/{container}",
        match=[matchers.query_param_matcher({"fields": "status,error_message"}), with_headers()],
        json=body,
    )


def published(mocked, progress=None, container: str = CONTAINER, post: str = POST) -> None:
    """threads_publish of ``container``; with ``progress``, it must have been saved as "publishing" first."""

    def saved_before_publish(request):
        if progress is None:
            return True, ""
        last = progress.last
        ok = last.get("stage") == "publishing" and last.get("container_id") == container
        return ok, f"the container was not saved as publishing before threads_publish: {last}"

    mocked.post(
        PUBLISH, match=[form(creation_id=container), with_headers(), saved_before_publish], json={"id": post}
    )


def permalink(mocked, post: str = POST, url: str = PERMALINK) -> None:
    mocked.get(
        f"{GRAPH}/{post}",
        match=[matchers.query_param_matcher({"fields": "permalink"})],
        json={"permalink": url},
    )


def recent_threads(mocked, *threads: dict[str, Any]) -> None:
    mocked.get(
        CONTAINERS,
        match=[
            matchers.query_param_matcher({"fields": "id,text,media_type,permalink,timestamp", "limit": "25"}),
            with_headers(),
        ],
        json={"data": list(threads), "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}},
    )


def meta_error(code: int, status: int = 400, message: str = "", **extra: Any) -> dict[str, Any]:
    error = {
        "message": message or f"error {code}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "Atr",
    }
    return json_error(status, {"error": error | extra})


# --- Tokens ---------------------------------------------------------------------------------------
CODE = "AQBx-hBsH3-threads-code"
SHORT_LIVED = "THAAshort-lived-PLAINTEXT"
LONG_LIVED = "THAAlong-lived-PLAINTEXT"
REFRESHED = "THAArefreshed-PLAINTEXT"
LIFETIME = 5_183_944  # what Meta's examples answer: seconds in about 60 days
TOKEN_URL = "https://graph.threads.net/oauth/access_token"
EXCHANGE_URL = "https://graph.threads.net/access_token"
REFRESH_URL = "https://graph.threads.net/refresh_access_token"
ME_URL = "https://graph.threads.net/v1.0/me"


def long_lived(access_token: str) -> dict[str, Any]:
    """Threads' answer carrying a long-lived token (an exchange or a refresh)."""
    return {"json": {"access_token": access_token, "token_type": "bearer", "expires_in": LIFETIME}}


def expect_code_exchange(mocked, **answer) -> None:
    sent = form(
        grant_type="authorization_code",
        code=CODE,
        redirect_uri=redirect_uri("THREADS"),
        client_id=client_id("THREADS"),
        client_secret=client_secret("THREADS"),
    )
    mocked.post(
        TOKEN_URL, match=[sent], **(answer or {"json": {"access_token": SHORT_LIVED, "user_id": int(USER)}})
    )


def expect_long_lived(mocked, **answer) -> None:
    sent = {
        "grant_type": "th_exchange_token",
        "client_secret": client_secret("THREADS"),
        "access_token": SHORT_LIVED,
    }
    mocked.get(EXCHANGE_URL, match=[matchers.query_param_matcher(sent)], **(answer or long_lived(LONG_LIVED)))


def expect_profile(mocked) -> None:
    mocked.get(
        ME_URL,
        match=[
            matchers.query_param_matcher({"fields": "id,username,name"}),
            matchers.header_matcher({"Authorization": f"Bearer {LONG_LIVED}"}),
        ],
        json={"id": USER, "username": "acme.cafe", "name": "Acme Café"},
    )


def expect_refresh(mocked, token: str = LONG_LIVED, **answer) -> None:
    mocked.get(
        REFRESH_URL,
        match=[matchers.query_param_matcher({"grant_type": "th_refresh_token", "access_token": token})],
        **(answer or long_lived(REFRESHED)),
    )


def stages(progress: Progress) -> list[tuple]:
    """What was saved, without the time of the publish call."""
    return [
        tuple((key, value) for key, value in saved.items() if key != "publish_called_at")
        for saved in progress.saved
    ]


def requested(mocked, method: str, url: str) -> bool:
    return any(
        call.request.method == method and call.request.url.split("?")[0] == url for call in mocked.calls
    )
