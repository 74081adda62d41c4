"""Storing connected accounts, and marking an account whose refreshed token was refused again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Event
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from social.platforms import ConnectableAccount
from social.platforms import TokenSet
from social.services import social_account_connect
from social.services import social_account_mark_needs_reconnect
from social.services import social_accounts_connect

from .fakes import make_account
from .refreshing import NEW_ACCESS
from .refreshing import OLD_ACCESS
from .refreshing import OLD_REFRESH
from .refreshing import x_account

pytestmark = pytest.mark.django_db


# --- connecting --------------------------------------------------------------------------------------------


def test_social_account_connect__new_account_belongs_to_the_person_connecting(user):
    account = social_account_connect(
        platform=Platform.YOUTUBE,
        connection=ConnectableAccount(
            external_id="UC1", name="Channel", tokens=TokenSet("access-1", "refresh-1", None), extra={"a": 1}
        ),
        owner=user,
    )

    fresh = SocialAccount.objects.get(pk=account.pk)
    assert (fresh.platform, fresh.external_id, fresh.name, fresh.owner) == (
        Platform.YOUTUBE,
        "UC1",
        "Channel",
        user,
    )
    assert (fresh.access_token, fresh.refresh_token, fresh.extra) == ("access-1", "refresh-1", {"a": 1})
    assert fresh.status == SocialAccountStatus.ACTIVE


def test_social_account_connect__reconnect_replaces_the_grant_and_keeps_the_rest(user, staff_user):
    account = make_account(
        user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"username": "old", "kept": True}
    )
    expires = timezone.now() + timedelta(hours=2)

    social_account_connect(
        platform=Platform.TWITTER,
        connection=ConnectableAccount(
            external_id=account.external_id,
            name="New name",
            tokens=TokenSet("access-2", None, expires),
            extra={"username": "new"},
        ),
        owner=staff_user,
    )

    fresh = SocialAccount.objects.get()
    assert fresh.pk == account.pk and fresh.owner == user
    assert (fresh.access_token, fresh.refresh_token, fresh.token_expires_at) == ("access-2", "", expires)
    assert fresh.extra == {"username": "new", "kept": True}
    assert (fresh.name, fresh.status) == ("New name", SocialAccountStatus.ACTIVE)


def test_social_account_connect__a_reconnect_keeps_x_premium_long_posts(user):
    account = make_account(user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"long_posts": True})

    social_account_connect(
        platform=Platform.TWITTER,
        connection=ConnectableAccount(
            external_id=account.external_id, name="X", tokens=TokenSet("access-2"), extra={"username": "x"}
        ),
        owner=user,
    )

    assert SocialAccount.objects.get().long_posts


def test_social_accounts_connect__an_empty_access_token_stores_nothing(user):
    good = ConnectableAccount(external_id="1001", name="Bakery", tokens=TokenSet("page-token"))
    empty = ConnectableAccount(external_id="1002", name="Cafe", tokens=TokenSet(""))

    with pytest.raises(ValueError, match="needs an access token"):
        social_accounts_connect(platform=Platform.FACEBOOK, connections=[good, empty], owner=user)

    assert SocialAccount.objects.count() == 0


# --- a refreshed token refused again ---------------------------------------------------------------------


def test_mark_needs_reconnect__the_refused_token_is_still_the_accounts(user):
    account = x_account(user, access_token=NEW_ACCESS)

    assert social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)
    assert SocialAccount.objects.get().status == SocialAccountStatus.NEEDS_RECONNECT


@pytest.mark.parametrize(
    ("access_token", "status"),
    [(NEW_ACCESS, SocialAccountStatus.ACTIVE), (OLD_ACCESS, SocialAccountStatus.DISABLED)],
    ids=["token-replaced-meanwhile", "disabled"],
)
def test_mark_needs_reconnect__changes_nothing_otherwise(user, access_token, status):
    account = x_account(user, access_token=access_token, status=status)

    assert not social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=OLD_ACCESS)
    assert SocialAccount.objects.get().status == status
    assert not Event.objects.exists()  # no change, nobody told


def test_mark_needs_reconnect__tells_the_owner_in_the_same_transaction(user):
    account = x_account(user, access_token=NEW_ACCESS)

    social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)

    (event,) = Event.objects.all()
    assert (event.type, event.account_id) == ("account.needs_reconnect", account.pk)
    assert event.data["status"] == "NEEDS_RECONNECT"
    assert NEW_ACCESS not in json.dumps(event.data) and OLD_REFRESH not in json.dumps(event.data)


def test_mark_needs_reconnect__rolled_back_with_its_caller_tells_nobody(user):
    account = x_account(user, access_token=NEW_ACCESS)

    with pytest.raises(RuntimeError), transaction.atomic():
        social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=NEW_ACCESS)
        raise RuntimeError("the caller's transaction fails afterwards")

    assert SocialAccount.objects.get().status == SocialAccountStatus.ACTIVE
    assert not Event.objects.exists()
