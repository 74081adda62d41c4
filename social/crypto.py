"""Authenticated encryption of stored tokens (AES-256-GCM) with a rotating key ring.

A stored value looks like ``enc:v1:<key id>:<base64url(nonce | ciphertext | tag)>``. The key id is a short
fingerprint of the key (never the key), so decryption picks the right key at once and an error can say which
key is missing. The associated data binds a value to its column, so a token copied into another column does
not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

PREFIX = "enc:v1:"
NONCE_BYTES = 12


class InvalidEncryptionKey(ImproperlyConfigured):
    """ENCRYPTION_KEY is missing or malformed."""


class TokenDecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


def key_id(key: bytes) -> str:
    """A public fingerprint of a key: enough to tell keys apart, useless to an attacker."""
    return hashlib.sha256(b"social-token-key:" + key).hexdigest()[:8]


def parse_encryption_keys(value: str) -> list[bytes]:
    """Parse ENCRYPTION_KEY (64 hex chars, comma-separated to rotate); messages never echo key material."""
    parts = [part.strip() for part in value.split(",")] if value.strip() else []
    if not parts:
        raise InvalidEncryptionKey("ENCRYPTION_KEY is not set.")
    keys: list[bytes] = []
    for position, part in enumerate(parts, start=1):
        where = f"key {position} of {len(parts)}" if len(parts) > 1 else "the key"
        if len(part) != 64:
            raise InvalidEncryptionKey(
                f"ENCRYPTION_KEY: {where} has {len(part)} characters; it must be 64 hex characters (32 bytes)."
            )
        try:
            key = binascii.unhexlify(part)
        except (binascii.Error, ValueError):
            raise InvalidEncryptionKey(
                f"ENCRYPTION_KEY: {where} is not hexadecimal; it must be 64 hex characters (32 bytes)."
            ) from None
        if key in keys:
            raise InvalidEncryptionKey(f"ENCRYPTION_KEY: {where} repeats an earlier key.")
        keys.append(key)
    return keys


class KeyRing:
    """The first key encrypts; every key decrypts."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise InvalidEncryptionKey("ENCRYPTION_KEY is not set.")
        self._ciphers = {key_id(key): AESGCM(key) for key in keys}
        self.primary_key_id = key_id(keys[0])

    @classmethod
    def from_setting(cls, value: str) -> KeyRing:
        return cls(parse_encryption_keys(value))

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.primary_key_id].encrypt(nonce, plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{self.primary_key_id}:{body}"

    def decrypt(self, stored: str, *, context: str) -> str:
        if not stored.startswith(PREFIX) or stored.count(":") != 3:
            raise TokenDecryptionError(f"{context}: the stored value is not an encrypted token.")
        kid, body = stored[len(PREFIX) :].split(":", 1)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise TokenDecryptionError(
                f"{context}: encrypted with key {kid}, which is not in ENCRYPTION_KEY "
                f"(configured: {', '.join(self.key_ids)}). Add that key after a comma to decrypt it."
            )
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise TokenDecryptionError(
                f"{context}: the stored value fails authentication with key {kid} (corrupted or tampered)."
            ) from None

    def is_current(self, stored: str) -> bool:
        """Whether a stored value is already encrypted with the first (current) key."""
        return stored.startswith(f"{PREFIX}{self.primary_key_id}:")


_lock = threading.Lock()
_key_ring: KeyRing | None = None


def get_key_ring() -> KeyRing:
    """The key ring of settings.ENCRYPTION_KEY, built once."""
    global _key_ring
    with _lock:
        if _key_ring is None:
            _key_ring = KeyRing.from_setting(settings.ENCRYPTION_KEY)
        return _key_ring


def _reset_key_ring(*, setting: str, **kwargs) -> None:
    global _key_ring
    if setting == "ENCRYPTION_KEY":
        with _lock:
            _key_ring = None


setting_changed.connect(_reset_key_ring)
