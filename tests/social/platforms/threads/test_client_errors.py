"""The Threads client's errors: Meta's error answers and the kinds they are read as."""

from __future__ import annotations

import pytest
import requests

from social.platforms import ErrorKind

from ..helpers import payload
from ..helpers import publish_error
from ..helpers import still_processing
from .wire import CONTAINER
from .wire import CONTAINERS
from .wire import GRAPH
from .wire import PUBLISH
from .wire import container_created
from .wire import container_status
from .wire import meta_error
from .wire import quota

# --- Errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (meta_error(2, status=500, is_transient=True), ErrorKind.UNKNOWN),
        ({"status": 502, "body": "<html>Bad gateway</html>"}, ErrorKind.UNKNOWN),
        ({"body": requests.ReadTimeout()}, ErrorKind.UNKNOWN),
        ({"status": 200, "body": '{"id": "1802'}, ErrorKind.UNKNOWN),
        (meta_error(190, message="Error validating access token: Session has expired"), ErrorKind.AUTH),
        (meta_error(100, error_subcode=4279009), ErrorKind.INVALID),
    ],
    ids=["transient-500", "502", "timeout", "truncated", "auth", "invalid"],
)
def test_publish__threads_publish_errors(client, mocked, progress, response, kind):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, **response)

    assert publish_error(lambda: client.publish(payload("hi"))).kind == kind
    assert progress.last["stage"] == "publishing"


@pytest.mark.parametrize(
    ("response", "check_after"),
    [
        (meta_error(4, message="(#4) Application request limit reached", is_transient=True), 10),
        (meta_error(368, message="The action attempted has been deemed abusive"), 3600),
        ({"status": 429, "body": "", "headers": {"Retry-After": "120"}}, 120),
    ],
    ids=["rate-limit", "policy-block-368", "429"],
)
def test_publish__threads_publish_refused_for_now_keeps_the_container(
    client, mocked, progress, response, check_after
):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    container_status(mocked, "FINISHED")
    mocked.post(PUBLISH, **response)

    waiting = still_processing(lambda: client.publish(payload("hi")))

    assert waiting.check_after == check_after
    assert progress.last["container_id"] == CONTAINER and progress.last["stage"] == "publishing"


@pytest.mark.parametrize(
    ("response", "kind", "retry_after"),
    [
        (meta_error(368, message="It looks like you were misusing this feature"), ErrorKind.TRANSIENT, 3600),
        (meta_error(100, message="Param text must be at most 500 characters long."), ErrorKind.INVALID, None),
        (meta_error(100, message="The media could not be fetched from this URI"), ErrorKind.INVALID, None),
        (meta_error(190, error_subcode=463), ErrorKind.AUTH, None),
        (
            meta_error(1, message="Error validating access token: The user has not authorized"),
            ErrorKind.AUTH,
            None,
        ),
        (meta_error(2, status=500, is_transient=True), ErrorKind.TRANSIENT, None),
        ({"body": requests.ReadTimeout()}, ErrorKind.TRANSIENT, None),
    ],
    ids=["policy-block", "text-too-long", "media-url", "auth", "token-words", "transient", "timeout"],
)
def test_publish__container_creation_errors_are_never_unknown(
    client, mocked, progress, response, kind, retry_after
):
    quota(mocked)
    mocked.post(CONTAINERS, **response)

    error = publish_error(lambda: client.publish(payload("hi")))

    assert error.kind == kind
    if retry_after:
        assert error.retry_after >= retry_after
    assert progress.saved == []


def test_publish__a_status_check_that_fails_after_the_container_exists_is_checked_later(
    client, mocked, progress
):
    quota(mocked)
    container_created(mocked, media_type="TEXT", text="hi")
    mocked.get(f"{GRAPH}/{CONTAINER}", status=503, body="")

    waiting = still_processing(lambda: client.publish(payload("hi")))

    assert "HTTP 503" in waiting.message
    assert progress.last == {"stage": "processing", "container_id": CONTAINER}
