"""Steps about connected accounts and their tokens: connecting them, tokens expiring or revoked, refreshes."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import then

from bench.simulation import Refresh
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus

from .platforms import PLATFORM_NAMES
from .platforms import SimulatedPlatforms
from .story import ACCOUNT_KIND
from .story import ACCOUNT_KINDS
from .story import ONE_ACCOUNT
from .story import PLATFORM
from .story import Story

_numbers = itertools.count(1)


def connect_account(kind: str, name: str, owner) -> SocialAccount:
    """An account as connecting it by OAuth leaves it (README, "Connecting accounts")."""
    number = next(_numbers)
    platform = PLATFORM_NAMES[ACCOUNT_KINDS[kind]]
    now = timezone.now()
    tokens = {"access_token": f"{platform.lower()}-access-{number}-s3cr3t"}
    refresh_token = f"{platform.lower()}-refresh-{number}-s3cr3t"
    match platform:
        case Platform.TWITTER:  # a two-hour token and a refresh token that rotates
            facts = {"external_id": f"15{number:08d}", "extra": {"username": name.lstrip("@")}}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=2)}
        case Platform.FACEBOOK:  # a Page token: no expiry, no refresh
            facts = {"external_id": f"10{number:013d}"}
        case Platform.INSTAGRAM:  # the business account linked to a Page, with the Page token
            facts = {"external_id": f"1784{number:013d}", "extra": {"page_id": f"10{number:013d}"}}
        case Platform.LINKEDIN:  # a member with a 60-day token
            facts = {"external_id": f"m{number:09d}", "extra": {"author_urn": f"urn:li:person:m{number:09d}"}}
            tokens |= {"token_expires_at": now + timedelta(days=60)}
        case Platform.MASTODON:  # "@user@server": the account on its own server; no expiry, no refresh
            user, _, host = name.lstrip("@").partition("@")
            facts = {
                "external_id": f"10{number:08d}@{host}",
                "extra": {"server_url": f"https://{host}", "username": user},
            }
        case Platform.BLUESKY:  # a DID; a two-hour access JWT and a refresh JWT spent by each refresh
            facts = {"external_id": f"did:plc:{number:024d}", "extra": {"handle": name.lstrip("@")}}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=2)}
        case Platform.THREADS:  # the Threads user; a 60-day token, refreshed itself (no refresh token)
            facts = {"external_id": f"71{number:08d}", "extra": {"username": name.lstrip("@")}}
            tokens |= {"token_expires_at": now + timedelta(days=50)}
        case _:  # YouTube: the channel, a one-hour token and a refresh token
            facts = {"external_id": f"UC{number:022d}"}
            tokens |= {"refresh_token": refresh_token, "token_expires_at": now + timedelta(hours=1)}
    return SocialAccount.objects.create(platform=platform, name=name, owner=owner, **facts, **tokens)


@given(parsers.re(rf"(?P<accounts>{ONE_ACCOUNT}(?:(?:,| and) {ONE_ACCOUNT})*)$"))
def _(accounts: str, story: Story, platforms: SimulatedPlatforms, author) -> None:
    for kind, name in re.findall(rf'({ACCOUNT_KIND}) "([^"]+)"', accounts):
        account = connect_account(kind, name, author)
        story.accounts[name] = account
        story.original_tokens[name] = (account.access_token, account.refresh_token)
        platforms.connect(account)


# --- tokens --------------------------------------------------------------------------------------------


@given("the X app is registered with the site")
def _(settings) -> None:
    settings.TWITTER_CLIENT_ID = "x-app-client-id"
    settings.TWITTER_CLIENT_SECRET = "x-app-client-s3cr3t"


@given(parsers.parse('the access token of "{name}" expired an hour ago'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    account = story.accounts[name]
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timedelta(hours=1))
    platforms.forget_token(account)


@given(parsers.re(rf'{PLATFORM} no longer accepts the access token of "(?P<name>[^"]+)"$'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    platforms.forget_token(story.accounts[name])


@given(parsers.parse('X has revoked the grant of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    platforms.forget_token(story.accounts[name])
    platforms.token_endpoint.revoked = True


@then(parsers.parse('X\'s token endpoint was asked once, by the app, with the refresh token of "{name}"'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    _, refresh_token = story.original_tokens[name]
    assert platforms.token_endpoint.refreshes == [
        Refresh(refresh_token=refresh_token, client_authenticated=True)
    ]


@then(parsers.parse('"{name}" keeps the new access and refresh tokens, encrypted in the database'))
def _(name: str, story: Story, platforms: SimulatedPlatforms) -> None:
    account = SocialAccount.objects.get(pk=story.accounts[name].pk)
    [(access_token, refresh_token)] = platforms.token_endpoint.issued
    assert (account.access_token, account.refresh_token) == (access_token, refresh_token)
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT access_token, refresh_token FROM {SocialAccount._meta.db_table} WHERE id = %s",  # noqa: S608
            [account.pk],
        )
        stored = " ".join(cursor.fetchone())
    assert access_token not in stored and refresh_token not in stored


@then(parsers.parse('"{name}" needs reconnecting'))
def _(name: str, story: Story) -> None:
    story.accounts[name].refresh_from_db()
    assert story.accounts[name].status == SocialAccountStatus.NEEDS_RECONNECT
