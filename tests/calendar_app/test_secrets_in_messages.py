"""What the publisher stores and logs about a failed call goes through social.redaction, like every other
message: a credential it was never told about (a session JWT, another bearer token) is scrubbed too."""

from __future__ import annotations

import logging

import pytest

from calendar_app.publisher import publish_due_posts
from tests.fakes import crash

pytestmark = pytest.mark.django_db

JWT = "eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJkaWQ6cGxjOmFiYyJ9.c2lnbmF0dXJlLWJ5dGVz"


def test_publisher__stores_and_logs_a_failed_calls_message_redacted(
    fake_platform, make_account, make_post, caplog
):
    account = make_account("FACEBOOK")
    post = make_post(account)
    fake_platform.will(account, crash(RuntimeError(f"session {JWT} and Authorization: Bearer someone-elses")))
    caplog.set_level(logging.DEBUG)

    publish_due_posts(concurrency=1)

    row = post.post_accounts.get()
    stored = [row.error_message, *row.attempts.values_list("error_message", flat=True)]
    assert any("[redacted]" in message for message in stored)
    for text in [*stored, caplog.text]:
        assert JWT not in text and "someone-elses" not in text
