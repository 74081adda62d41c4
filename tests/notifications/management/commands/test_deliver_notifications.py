"""``manage.py deliver_notifications``: one pass, one summary line."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError
from django.core.management import call_command
from django.utils import timezone

from notifications.services import post_finalized_event

from ...conftest import record
from ...services.test_events import failed

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("deliver_notifications", *args, stdout=out)
    return out.getvalue()


def test_command__delivers_and_prints_one_line(smtp, receiver, make_endpoint, make_account, make_post):
    make_endpoint(receiver)
    account = make_account(refresh_token="", token_expires_at=timezone.now() + timedelta(days=3))
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))

    line = run("--max-seconds", "20")

    assert line == (
        "Delivered 2 webhooks (0 failed, retried later) and sent 4 emails (0 failed) for 2 new events. "
        "Recorded 1 token expiry warnings.\n"
    )
    assert sorted(item.payload["type"] for item in receiver.verified) == [
        "account.token_expiring",
        "post.failed",
    ]
    # The failure and the token warning, each to the author (who owns the account) and to ops.
    assert (
        sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts)
        == ["author@example.com"] * 2 + ["ops@example.com"] * 2
    )


def test_command__nothing_to_do():
    assert (
        run()
        == "Delivered 0 webhooks (0 failed, retried later) and sent 0 emails (0 failed) for 0 new events.\n"
    )


def test_command__a_bad_budget_is_one_line():
    with pytest.raises(CommandError, match=r"--max-seconds must be more than 0, not -1.0"):
        run("--max-seconds", "-1")
