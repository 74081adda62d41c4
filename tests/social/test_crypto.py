from __future__ import annotations

import pytest

from social.crypto import InvalidEncryptionKey
from social.crypto import KeyRing
from social.crypto import TokenDecryptionError
from social.crypto import key_id
from social.crypto import parse_encryption_keys

KEY_A = "a1" * 32
KEY_B = "b2" * 32
CONTEXT = "social.SocialAccount.access_token"


def ring(value: str) -> KeyRing:
    return KeyRing.from_setting(value)


def test_encrypt__round_trip():
    stored = ring(KEY_A).encrypt("secret-token-123", context=CONTEXT)
    assert "secret-token-123" not in stored
    assert stored.startswith("enc:v1:")
    assert ring(KEY_A).decrypt(stored, context=CONTEXT) == "secret-token-123"


def test_encrypt__fresh_nonce_every_time():
    key_ring = ring(KEY_A)
    assert key_ring.encrypt("same", context=CONTEXT) != key_ring.encrypt("same", context=CONTEXT)


def test_decrypt__bound_to_its_column():
    stored = ring(KEY_A).encrypt("token", context=CONTEXT)
    with pytest.raises(TokenDecryptionError, match="fails authentication"):
        ring(KEY_A).decrypt(stored, context="social.SocialAccount.refresh_token")


def test_decrypt__tampered_value_is_refused():
    stored = ring(KEY_A).encrypt("token", context=CONTEXT)
    tampered = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(TokenDecryptionError, match="fails authentication"):
        ring(KEY_A).decrypt(tampered, context=CONTEXT)


def test_decrypt__plaintext_is_not_taken_for_a_token():
    with pytest.raises(TokenDecryptionError, match="not an encrypted token"):
        ring(KEY_A).decrypt("plain-token", context=CONTEXT)


def test_rotation__first_key_encrypts_every_key_decrypts():
    old = ring(KEY_A).encrypt("token", context=CONTEXT)
    rotated = ring(f"{KEY_B},{KEY_A}")
    assert rotated.decrypt(old, context=CONTEXT) == "token"
    new = rotated.encrypt("token", context=CONTEXT)
    assert new.startswith(f"enc:v1:{key_id(bytes.fromhex(KEY_B))}:")
    assert rotated.is_current(new) and not rotated.is_current(old)


def test_wrong_key__error_names_key_ids_never_keys():
    stored = ring(KEY_A).encrypt("plain-secret-value", context=CONTEXT)
    with pytest.raises(TokenDecryptionError) as excinfo:
        ring(KEY_B).decrypt(stored, context=CONTEXT)
    message = str(excinfo.value)
    assert key_id(bytes.fromhex(KEY_A)) in message and "not in ENCRYPTION_KEY" in message
    assert KEY_A not in message and KEY_B not in message and "plain-secret-value" not in message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "not set"),
        ("   ", "not set"),
        ("ab" * 31, "has 62 characters"),
        ("zz" * 32, "not hexadecimal"),
        (f"{KEY_A},{KEY_A}", "repeats an earlier key"),
        (f"{KEY_A},short", "key 2 of 2 has 5 characters"),
    ],
)
def test_parse_encryption_keys__malformed(value, message):
    with pytest.raises(InvalidEncryptionKey, match=message) as excinfo:
        parse_encryption_keys(value)
    assert KEY_A not in str(excinfo.value)


def test_parse_encryption_keys__spaces_around_commas():
    assert parse_encryption_keys(f" {KEY_A} , {KEY_B} ") == [bytes.fromhex(KEY_A), bytes.fromhex(KEY_B)]
