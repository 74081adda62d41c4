"""Reads of social accounts."""

from __future__ import annotations

from collections.abc import Iterable

from .models import SocialAccount


def social_account_connected_external_ids(*, platform: str, external_ids: Iterable[str]) -> set[str]:
    """Which of ``external_ids`` are already connected on ``platform`` (one query, no tokens loaded)."""
    return set(
        SocialAccount.objects.filter(platform=platform, external_id__in=list(external_ids)).values_list(
            "external_id", flat=True
        )
    )
