"""A run's settings, read and checked once before anything is claimed."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from calendar_app.models import ScheduledPost


@dataclass(frozen=True)
class RunConfig:
    limit: int | None
    max_seconds: float
    concurrency: int
    db_connections: int
    lease_seconds: float
    missed_after_seconds: float
    retry_base_seconds: float
    retry_max_seconds: float
    quotas: bool = True  # the platforms' posting quotas are kept (PUBLISH_QUOTAS)

    @classmethod
    def load(cls, *, limit: int | None, max_seconds: float | None, concurrency: int | None) -> RunConfig:
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"limit must be a positive whole number, not {limit!r}.")
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be a positive number, not {max_seconds!r}.")
        if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
            raise ValueError(f"concurrency must be a positive whole number, not {concurrency!r}.")
        config = cls(
            limit=limit,
            max_seconds=settings.PUBLISH_MAX_SECONDS if max_seconds is None else max_seconds,
            concurrency=settings.PUBLISH_CONCURRENCY if concurrency is None else concurrency,
            db_connections=settings.PUBLISH_DB_CONNECTIONS,
            lease_seconds=settings.PUBLISH_LEASE_SECONDS,
            missed_after_seconds=settings.PUBLISH_MISSED_AFTER,
            retry_base_seconds=settings.PUBLISH_RETRY_BASE_SECONDS,
            retry_max_seconds=settings.PUBLISH_RETRY_MAX_SECONDS,
            quotas=settings.PUBLISH_QUOTAS,
        )
        for name, value in (
            ("PUBLISH_MAX_SECONDS", config.max_seconds),
            ("PUBLISH_CONCURRENCY", config.concurrency),
            ("PUBLISH_DB_CONNECTIONS", config.db_connections),
            ("PUBLISH_LEASE_SECONDS", config.lease_seconds),
            ("PUBLISH_MISSED_AFTER", config.missed_after_seconds),
            ("PUBLISH_RETRY_MAX_SECONDS", config.retry_max_seconds),
        ):
            if not value > 0:
                raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}.")
        if config.retry_base_seconds < 0:
            raise ImproperlyConfigured(
                f"PUBLISH_RETRY_BASE_SECONDS must not be negative, not {config.retry_base_seconds!r}."
            )
        return config


def missed_message(post: ScheduledPost, missed_after_seconds: float) -> str:
    hours = missed_after_seconds / 3600
    return (
        f"Not published: it was due at {post.due_at:%Y-%m-%d %H:%M} UTC, more than {hours:g} hours ago "
        "(PUBLISH_MISSED_AFTER), and a late post is not sent."
    )
