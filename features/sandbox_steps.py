"""The steps of sandbox.feature: a Sandbox served over real HTTP by the live test server, its accounts
connected as the OAuth flow leaves them, its faults set as the admin sets them."""

from __future__ import annotations

import pytest
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PublishAttempt
from social.models import Platform
from social.models import SocialAccount
from social.platforms.sandbox.models import Fault
from social.platforms.sandbox.models import SandboxAccount
from social.platforms.sandbox.models import SandboxPost
from social.platforms.sandbox.network import api
from social.platforms.sandbox.network.accounts import sandbox_account_create
from social.platforms.sandbox.network.selectors import timeline
from social.platforms.sandbox.network.tokens import grant_issue

from .platforms import SimulatedPlatforms
from .story import Story
from .story import account_row

FAULTS = {
    "makes the post and then loses the answer": (Fault.LOSE_ANSWER, None),
    "refuses the next post with a rate limit": (Fault.RATE_LIMIT, 1),
}


@pytest.fixture
def sandbox(live_server, platforms: SimulatedPlatforms, monkeypatch) -> dict[str, int]:
    """The Sandbox at the live server's address, reached over real HTTP; counts the calls to make a post."""
    platforms.mock.add_passthru(live_server.url)
    calls = {"create": 0}
    make = api.post_create

    def counted(**kwargs):
        calls["create"] += 1
        return make(**kwargs)

    monkeypatch.setattr(api, "post_create", counted)
    # Faults that refuse (429, 503) answer before post_create: count the calls themselves.
    take = api.fault_take

    def fault_counted(**kwargs):
        fault = take(**kwargs)
        if fault in (Fault.RATE_LIMIT, Fault.UNAVAILABLE):
            calls["create"] += 1
        return fault

    monkeypatch.setattr(api, "fault_take", fault_counted)
    calls["address"] = live_server.url
    return calls


@given(parsers.re(r'a Sandbox account "(?P<handle>[a-z0-9_]+)" that (?P<behaviour>.+)$'))
def _(handle: str, behaviour: str, story: Story, sandbox, author) -> None:
    fault, remaining = FAULTS[behaviour]
    network_account = sandbox_account_create(handle=handle, display_name=handle.title())
    network_account.fault, network_account.fault_remaining = fault, remaining
    network_account.save()
    tokens = grant_issue(account=network_account)
    story.accounts[handle] = SocialAccount.objects.create(
        platform=Platform.SANDBOX,
        external_id=handle,
        name=f"{handle.title()} (Sandbox)",
        owner=author,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        extra={"server_url": sandbox["address"], "handle": handle},
    )


@given(parsers.parse("the publisher gives up waiting for an answer after {seconds:d} second"))
def _(seconds: int, settings) -> None:
    settings.PLATFORM_READ_TIMEOUT = seconds


@then(parsers.parse('the account "{name}" is "PUBLISHED" with the id the Sandbox gave the post'))
def _(name: str, story: Story) -> None:
    row = account_row(story, name)
    [made] = SandboxPost.objects.filter(account__handle=story.accounts[name].external_id)
    assert (row.status, row.platform_post_id) == (AccountStatus.PUBLISHED, made.pk)
    assert row.platform_post_url.endswith(f"/sandbox/{made.account.handle}/#{made.pk}")


@then(
    parsers.parse(
        'the history of "{name}" is a call that timed out with an "UNKNOWN" outcome, then a reconciliation '
        "that found the post"
    )
)
def _(name: str, story: Story) -> None:
    attempts = list(
        PublishAttempt.objects.filter(post_account=account_row(story, name)).order_by("started_at", "pk")
    )
    assert [(attempt.action, attempt.outcome, attempt.error_kind) for attempt in attempts] == [
        (AttemptAction.PUBLISH, AttemptOutcome.FAILED, "UNKNOWN"),
        (AttemptAction.RECONCILE, AttemptOutcome.PUBLISHED, ""),
    ], [(a.action, a.outcome, a.error_kind, a.error_message) for a in attempts]
    assert "did not answer in time" in attempts[0].error_message


@then(parsers.re(r"the Sandbox was asked to make the post (?P<times>once|twice)$"))
def _(times: str, sandbox) -> None:
    assert sandbox["create"] == {"once": 1, "twice": 2}[times]


@then(parsers.parse('the Sandbox has no post for "{handle}"'))
def _(handle: str) -> None:
    assert not SandboxPost.objects.filter(account__handle=handle).exists()


@then(parsers.parse('the timeline of "{handle}" shows "{text}" once, recorded by the scheduler'))
def _(handle: str, text: str) -> None:
    entries = timeline(account=SandboxAccount.objects.get(handle=handle))
    assert [entry.post.text for entry in entries] == [text]
    assert entries[0].recorded is not None and entries[0].recorded.status == AccountStatus.PUBLISHED
