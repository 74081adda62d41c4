"""Reads of social accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import SocialAccount


def social_account_connected_external_ids(*, platform: str, external_ids: Iterable[str]) -> set[str]:
    """Which of ``external_ids`` are already connected on ``platform`` (one query, no tokens loaded)."""
    return set(
        SocialAccount.objects.filter(platform=platform, external_id__in=list(external_ids)).values_list(
            "external_id", flat=True
        )
    )


def social_accounts_usable_by(*, user) -> QuerySet[SocialAccount]:
    """The accounts ``user`` may see and post to: the ones they connected, and every account when they may
    view accounts (``social.view_socialaccount``: the team's accounts, as the admin lists them);
    superusers have every permission. Without tokens."""
    accounts = SocialAccount.objects.without_tokens()
    if not user.is_active or not user.is_authenticated:
        return accounts.none()
    if user.has_perm("social.view_socialaccount"):
        return accounts
    return accounts.filter(owner_id=user.pk)
