"""Tokens are plain strings in Python and ciphertext in the database."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from social.crypto import TokenDecryptionError
from social.crypto import key_id
from social.models import Platform
from social.models import SocialAccount

from . import fakes
from .fakes import raw_tokens

KEY_A = "a1" * 32
KEY_B = "b2" * 32
ACCESS = "ya29.access-token-PLAINTEXT-value"
REFRESH = "1//refresh-token-PLAINTEXT-value"

pytestmark = pytest.mark.django_db


def make_account(user, **fields) -> SocialAccount:
    youtube = {"platform": Platform.YOUTUBE, "external_id": "UC123", "name": "Channel", "refresh_token": ""}
    return fakes.make_account(user, **(youtube | fields))


def test_tokens__column_holds_no_plaintext(user):
    account = make_account(user, access_token=ACCESS, refresh_token=REFRESH)
    raw_access, raw_refresh = raw_tokens(account.pk)
    assert ACCESS not in raw_access and raw_access.startswith("enc:v1:")
    assert REFRESH not in raw_refresh and raw_refresh.startswith("enc:v1:")
    fresh = SocialAccount.objects.get(pk=account.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)
    assert ACCESS not in repr(fresh) and ACCESS not in str(fresh)


def test_tokens__empty_refresh_token_stays_empty(user):
    account = make_account(user, access_token=ACCESS)
    assert raw_tokens(account.pk)[1] == ""
    assert SocialAccount.objects.get(pk=account.pk).refresh_token == ""


def test_rotation__reencrypt_command_moves_every_token_to_the_first_key(user):
    with override_settings(ENCRYPTION_KEY=KEY_A):
        first = make_account(user, access_token=ACCESS, refresh_token=REFRESH)
        second = make_account(user, external_id="UC456", access_token="other-token")
    with override_settings(ENCRYPTION_KEY=f"{KEY_B},{KEY_A}"):
        assert SocialAccount.objects.get(pk=first.pk).access_token == ACCESS
        call_command("reencrypt_tokens", stdout=(out := _Buffer()))
        assert "Re-encrypted 2 of 2 accounts" in out.text
        call_command("reencrypt_tokens", stdout=(again := _Buffer()))
        assert "Re-encrypted 0 of 2 accounts" in again.text
    new_id = key_id(bytes.fromhex(KEY_B))
    for account in (first, second):
        for raw in raw_tokens(account.pk):
            assert raw == "" or raw.startswith(f"enc:v1:{new_id}:")
    with override_settings(ENCRYPTION_KEY=KEY_B):
        fresh = SocialAccount.objects.get(pk=first.pk)
        assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)


def test_wrong_key__loading_a_token_is_a_clear_error(user):
    with override_settings(ENCRYPTION_KEY=KEY_A):
        account = make_account(user, access_token=ACCESS)
    with override_settings(ENCRYPTION_KEY=KEY_B), pytest.raises(TokenDecryptionError) as excinfo:
        SocialAccount.objects.get(pk=account.pk)
    assert "not in ENCRYPTION_KEY" in str(excinfo.value)
    assert ACCESS not in str(excinfo.value)


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, value: str) -> None:
        self.text += value

    def flush(self) -> None:
        pass
