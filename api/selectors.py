"""Reads the API answers with that no other app offers as one call."""

from __future__ import annotations

from social.models import SocialAccount
from social.platforms import PublishPayload
from social.platforms import client_for


def social_account_text_length(*, account: SocialAccount) -> int | None:
    """The most characters of text ``account`` takes, as its client counts them: the platform's limit, or
    the account's own where it has one (a Mastodon server's ``max_characters``, as last read)."""
    return client_for(account).text_count(PublishPayload(text="")).limit
