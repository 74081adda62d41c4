from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from social.checks import check_encryption_key
from social.checks import check_stored_tokens_decrypt
from social.models import Platform
from social.models import SocialAccount


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "debug", "expected"),
    [
        ("", True, ["social.E001"]),
        ("abc", True, ["social.E002"]),
        ("g" * 64, True, ["social.E002"]),
        ("00" * 32, False, ["social.E004"]),
        ("00" * 32, True, []),
        ("ab" * 32, False, []),
    ],
)
def test_check_encryption_key(key, debug, expected):
    with override_settings(ENCRYPTION_KEY=key, DEBUG=debug):
        messages = check_encryption_key()
    assert ids(messages) == expected
    for message in messages:
        assert message.hint
        assert not key or key not in message.msg


@pytest.mark.django_db
def test_check_stored_tokens_decrypt__wrong_key_for_stored_tokens(user):
    with override_settings(ENCRYPTION_KEY="a1" * 32):
        SocialAccount.objects.create(
            platform=Platform.TWITTER, external_id="1", name="x", owner=user, access_token="plain-access"
        )
    with override_settings(ENCRYPTION_KEY="b2" * 32):
        assert check_encryption_key() == []  # the key itself is fine
        messages = check_stored_tokens_decrypt(databases=["default"])
        assert ids(messages) == ["social.E003"]
        assert "reencrypt_tokens" in messages[0].hint
        assert "plain-access" not in messages[0].msg
        with pytest.raises(SystemCheckError, match=r"social\.E003"):
            call_command("check", "--database", "default")
    with override_settings(ENCRYPTION_KEY=f"{'b2' * 32},{'a1' * 32}"):
        assert check_stored_tokens_decrypt(databases=["default"]) == []


@pytest.mark.django_db
def test_check_stored_tokens_decrypt__is_a_database_check(user, django_assert_num_queries):
    """Plain `manage.py check` (and every command's own checks) reads nothing from the database."""
    with override_settings(ENCRYPTION_KEY="a1" * 32):
        SocialAccount.objects.create(
            platform=Platform.TWITTER, external_id="1", name="x", owner=user, access_token="plain-access"
        )
    with override_settings(ENCRYPTION_KEY="b2" * 32), django_assert_num_queries(0):
        assert check_stored_tokens_decrypt() == []
        call_command("check")


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "not-a-key"])
def test_check_stored_tokens_decrypt__a_bad_key_is_said_once(key):
    with override_settings(ENCRYPTION_KEY=key):
        assert check_stored_tokens_decrypt(databases=["default"]) == []
        assert len(check_encryption_key()) == 1
