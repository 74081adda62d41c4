"""Each Mastodon server's own limits, read from its ``GET /api/v2/instance`` and cached on the account.

``configuration.statuses`` gives the character limit, what a link counts and how many media a status takes;
``configuration.media_attachments`` the file sizes, types and the alt text length. The answer is kept in
``account.extra["instance"]`` with the time it was read: fetched at connect, read again when older than
``MAX_AGE`` (where a post is saved), and kept as it was when reading it fails. A server never read falls
back to Mastodon's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

import requests
from django.utils import timezone

from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules

from . import DEFAULT_IMAGE_SIZE_LIMIT
from . import DEFAULT_MAX_CHARACTERS
from . import DEFAULT_MAX_MEDIA_ATTACHMENTS
from . import DEFAULT_VIDEO_SIZE_LIMIT

if TYPE_CHECKING:
    from social.models import SocialAccount

MAX_AGE = timedelta(hours=24)
EXTRA_KEY = "instance"


class InstanceReadError(Exception):
    """The server's configuration could not be read; the message says why (never with a token)."""


@dataclass(frozen=True)
class ServerLimits:
    """Mastodon's defaults unless the server said otherwise."""

    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = 23
    max_media_attachments: int = DEFAULT_MAX_MEDIA_ATTACHMENTS
    image_size_limit: int = DEFAULT_IMAGE_SIZE_LIMIT
    video_size_limit: int = DEFAULT_VIDEO_SIZE_LIMIT
    description_limit: int = 1_500
    # Empty: the server did not say, so no type is refused before the upload.
    supported_mime_types: tuple[str, ...] = ()
    fetched_at: datetime | None = None  # None: never read from the server

    @classmethod
    def from_instance(cls, body: Any, *, fetched_at: datetime) -> ServerLimits:
        """From an ``/api/v2/instance`` (or v1) answer; what it lacks keeps the default."""
        configuration = body.get("configuration") if isinstance(body, Mapping) else None
        if not isinstance(configuration, Mapping):
            raise InstanceReadError("its answer has no configuration")
        statuses = _mapping(configuration.get("statuses"))
        media = _mapping(configuration.get("media_attachments"))
        values = {
            "max_characters": statuses.get("max_characters"),
            "characters_reserved_per_url": statuses.get("characters_reserved_per_url"),
            "max_media_attachments": statuses.get("max_media_attachments"),
            "image_size_limit": media.get("image_size_limit"),
            "video_size_limit": media.get("video_size_limit"),
            "description_limit": media.get("description_limit"),
        }
        limits = {name: value for name, value in values.items() if _positive_int(value)}
        types = media.get("supported_mime_types")
        if isinstance(types, list) and all(isinstance(item, str) for item in types):
            limits["supported_mime_types"] = tuple(types)
        return cls(**limits, fetched_at=fetched_at)

    @classmethod
    def of_account(cls, extra: Mapping[str, Any] | None) -> ServerLimits:
        """The limits cached on an account (``extra["instance"]``); the defaults when none are."""
        cached = _mapping((extra or {}).get(EXTRA_KEY))
        known = {field.name for field in fields(cls)} - {"fetched_at", "supported_mime_types"}
        values: dict[str, Any] = {name: cached[name] for name in known if _positive_int(cached.get(name))}
        if isinstance(cached.get("supported_mime_types"), list):
            values["supported_mime_types"] = tuple(cached["supported_mime_types"])
        try:
            fetched_at = datetime.fromisoformat(str(cached["fetched_at"]))
        except (KeyError, ValueError):
            fetched_at = None
        return cls(**values, fetched_at=fetched_at)

    def as_extra(self) -> dict[str, Any]:
        values = asdict(self)
        values["supported_mime_types"] = list(self.supported_mime_types)
        values["fetched_at"] = self.fetched_at.isoformat() if self.fetched_at else None
        return values

    def is_stale(self, now: datetime | None = None) -> bool:
        return self.fetched_at is None or self.fetched_at <= (now or timezone.now()) - MAX_AGE

    def size_limit(self, media_type: str) -> int:
        return self.video_size_limit if media_type == "video" else self.image_size_limit

    def media_rules(self, rules: MediaRules) -> MediaRules:
        """Mastodon's media rules (the spec's) with this server's sizes, count and, when it lists them,
        types: what the server says wins, what it does not say keeps Mastodon's default."""
        types = set(self.supported_mime_types)

        def kind(rules_of_kind: KindRules | None, size: int, accepts) -> KindRules | None:
            if rules_of_kind is None:
                return None
            mime_types = frozenset(filter(accepts, types)) if types else rules_of_kind.mime_types
            if not mime_types:
                return None  # the server lists its types and takes none of this kind
            return replace(rules_of_kind, mime_types=mime_types, max_bytes=size)

        return replace(
            rules,
            image=kind(
                rules.image, self.image_size_limit, lambda t: t.startswith("image/") and t != "image/gif"
            ),
            gif=kind(rules.gif, self.image_size_limit, lambda t: t == "image/gif"),
            video=kind(rules.video, self.video_size_limit, lambda t: t.startswith("video/")),
            max_items=self.max_media_attachments,
        )


def mastodon_account_media_rules(account: SocialAccount, rules: MediaRules) -> MediaRules:
    """The media rules of one account: its server's limits as last read (``extra["instance"]``)."""
    return ServerLimits.of_account(account.extra).media_rules(rules)


def server_limits_fetch(
    server_url: str, *, timeout: tuple[float, float], session: requests.Session | None = None
) -> ServerLimits:
    """Read the server's limits (public: no token). Raises InstanceReadError."""
    response = _get_instance(server_url, "v2", timeout=timeout, session=session)
    if response.status_code == 404:  # a server older than Mastodon 4.0
        response = _get_instance(server_url, "v1", timeout=timeout, session=session)
    if response.status_code != 200:
        raise InstanceReadError(f"the server answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise InstanceReadError("its answer is not JSON") from None
    return ServerLimits.from_instance(body, fetched_at=timezone.now())


def _get_instance(
    server_url: str, version: str, *, timeout: tuple[float, float], session: requests.Session | None
) -> requests.Response:
    try:
        return (session or requests).get(
            f"{server_url}/api/{version}/instance",
            headers={"Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise InstanceReadError(f"{type(exc).__name__} reaching the server") from None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
