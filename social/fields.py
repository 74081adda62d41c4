"""A text field that is a plain ``str`` in Python and AES-GCM ciphertext in its column."""

from __future__ import annotations

from django.db import models

from .crypto import get_key_ring


class EncryptedTextField(models.TextField):
    """Encrypts on save, decrypts on load. An empty value stays empty (there is nothing to hide).

    Lookups by value cannot work (every encryption uses a fresh nonce), so only ``isnull`` and exact
    matches on the empty string are meaningful.
    """

    description = "Text encrypted at rest"

    def context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return get_key_ring().decrypt(value, context=self.context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return get_key_ring().encrypt(value, context=self.context())
