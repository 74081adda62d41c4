"""The callback: a new account per platform from the code exchange and identity read, and reconnecting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus

from .connecting import ACCOUNT_LIST
from .connecting import finish
from .connecting import identity
from .connecting import page_text
from .connecting import pending
from .connecting import start
from .fakes import LI_ACCESS
from .fakes import X_ACCESS
from .fakes import X_REFRESH
from .fakes import YT_ACCESS
from .fakes import YT_REFRESH
from .fakes import expect_linkedin_connect
from .fakes import expect_x_connect
from .fakes import expect_youtube_connect
from .fakes import make_account

pytestmark = pytest.mark.django_db


# --- the callback: a new account per platform -----------------------------------------------------------


def test_callback__x_exchanges_the_code_with_pkce_and_stores_the_user(staff_client, staff_user, mocked):
    params = start(staff_client, "twitter")
    expect_x_connect(mocked, code_verifier=pending(staff_client, "TWITTER")["code_verifier"])

    before = timezone.now()
    response = finish(staff_client, "twitter", params)

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_LIST
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.TWITTER, "2244994945", "Developers")
    assert account.extra == {"username": "XDevelopers"}
    assert (account.access_token, account.refresh_token) == (X_ACCESS, X_REFRESH)
    assert (
        before + timedelta(seconds=7190) < account.token_expires_at < timezone.now() + timedelta(seconds=7201)
    )
    assert account.status == SocialAccountStatus.ACTIVE
    assert account.owner == staff_user
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Connected X (Twitter): Developers."]
    # Every platform call had the configured (connect, read) timeouts.
    assert {call.request.req_kwargs["timeout"] for call in mocked.calls} == {(3.5, 12.0)}


def test_callback__linkedin_stores_the_member_with_its_author_urn(staff_client, mocked):
    params = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)

    response = finish(staff_client, "linkedin", params)

    assert response.status_code == 302
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.LINKEDIN, "782bbtaQ", "Jane Doe")
    assert account.extra == {"author_urn": "urn:li:person:782bbtaQ"}
    assert (account.access_token, account.refresh_token) == (LI_ACCESS, "")
    assert account.token_expires_at > timezone.now() + timedelta(days=59)


def test_callback__youtube_stores_the_channel_and_its_refresh_token(staff_client, mocked):
    params = start(staff_client, "youtube")
    expect_youtube_connect(mocked)

    finish(staff_client, "youtube", params)

    account = SocialAccount.objects.get()
    assert (account.platform, account.external_id) == (Platform.YOUTUBE, "UC_x5XG1OV2P6uZZ5FSM9Ttw")
    assert account.name == "Google for Developers"
    assert (account.access_token, account.refresh_token) == (YT_ACCESS, YT_REFRESH)
    assert (
        timezone.now() + timedelta(minutes=59)
        < account.token_expires_at
        < timezone.now() + timedelta(hours=1)
    )


def test_callback__youtube_account_without_a_channel_is_refused(staff_client, mocked):
    params = start(staff_client, "youtube")
    mocked.post("https://oauth2.googleapis.com/token", json={"access_token": YT_ACCESS, "expires_in": 3599})
    mocked.get("https://www.googleapis.com/youtube/v3/channels", json={"items": []})

    response = finish(staff_client, "youtube", params)

    assert response.status_code == 502
    assert "has no YouTube channel" in page_text(response)
    assert SocialAccount.objects.count() == 0


# --- reconnecting -----------------------------------------------------------------------------------------


def test_callback__reconnect_keeps_the_row_its_history_and_owner_and_replaces_the_tokens(
    staff_client, user, mocked
):
    account = make_account(user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"username": "old_handle"})
    post = ScheduledPost.objects.create(content="hello", scheduled_at=timezone.now(), created_by=user)
    post_account = ScheduledPostAccount.objects.create(post=post, account=account)
    PublishAttempt.objects.create(post_account=post_account, started_at=timezone.now())

    params = start(staff_client, "twitter")
    expect_x_connect(mocked, code_verifier=pending(staff_client, "TWITTER")["code_verifier"])
    finish(staff_client, "twitter", params)

    fresh = SocialAccount.objects.get()
    assert fresh.pk == account.pk
    assert fresh.owner == user  # the staff member who reconnected does not take it over
    assert (fresh.access_token, fresh.refresh_token) == (X_ACCESS, X_REFRESH)
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.name, fresh.extra) == ("Developers", {"username": "XDevelopers"})
    assert list(fresh.post_accounts.all()) == [post_account]
    assert PublishAttempt.objects.filter(post_account__account=fresh).count() == 1
