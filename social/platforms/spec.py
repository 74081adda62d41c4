"""What one platform package declares about itself: ``PlatformSpec``.

A spec is plain data. It names its client and account provider by dotted path, so reading it (the settings
module does, before Django is set up) imports none of the platform's code, and a platform that is off is
never imported at all.

How the kinds of platform fit:
- OAuth code flow (X, Facebook, Instagram, LinkedIn, YouTube, Threads): ``provider`` names an
  ``OAuthProvider`` subclass; ``/social/connect/<platform>/`` redirects to the platform's consent page.
- Per-server apps (Mastodon): the provider reads the app registered on the account's server instead of
  settings, and ``connect_view`` asks for the server before the redirect.
- A form instead of OAuth (Bluesky's handle and app password): ``connect_view`` shows the form and stores
  the account; ``provider`` still refreshes its tokens.
- Off unless a setting says so (the Sandbox): the registry line carries ``enabled_by``. A platform that
  serves pages and keeps tables (the Sandbox's simulated network) names its Django app and URLconf, which
  are installed only while it is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from .media_rules import MediaRules

if TYPE_CHECKING:
    from .base.client import BaseClient
    from .base.oauth import OAuthProvider


@dataclass(frozen=True)
class Setting:
    """One ``<P>_<suffix>`` setting, read from the environment.

    ``default`` may name settings declared before it in braces (``"{FACEBOOK_CLIENT_ID}"``): Instagram
    falls back to Facebook's app, and Facebook's OAuth URLs carry its API version.
    """

    suffix: str
    default: str = ""


def oauth_app_settings(
    authorize_url: str, token_url: str, client_id: str = "", client_secret: str = "", /
) -> tuple[Setting, ...]:
    """The defaults of an OAuth code-flow app's settings, in this order: ``AUTHORIZE_URL``, ``TOKEN_URL``
    (the platform's endpoints), ``CLIENT_ID``, ``CLIENT_SECRET`` (the app's; unset: no connecting)."""
    return (
        Setting("AUTHORIZE_URL", authorize_url),
        Setting("TOKEN_URL", token_url),
        Setting("CLIENT_ID", client_id),
        Setting("CLIENT_SECRET", client_secret),
    )


# The option that overrides the post's text for one platform.
CONTENT = "content"


@dataclass(frozen=True)
class OptionField:
    """One field of the post form's "Per platform" section, stored at ``metadata.platforms.<P>.<key>``.

    ``key`` ``content`` (and ``media``) override the post's text (and media) for this platform; any other
    key is an option the platform's client reads. ``choices`` make it a choice: the same tuple the client
    validates against, so the form never offers what the client refuses.
    """

    key: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    multiline: bool = False

    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)


@dataclass(frozen=True)
class QuotaRule:
    """A cap on how many posts the platform takes: ``limit`` per ``window_seconds`` (a moving window), or per
    calendar day in ``daily_reset_zone`` (a day that starts at midnight there), counted per account or, with
    ``per_app``, across every account of this deployment's app (one API project).

    ``limit_setting``: the name of an ``account.extra`` entry that, when present, holds the limit the
    platform reported for that account (Instagram's ``content_publishing_limit``); ``limit`` is the default.
    ``source``: where the platform states it (docs/platforms.md quotes it).
    """

    limit: int
    window_seconds: int = 86_400
    per_app: bool = False
    daily_reset_zone: str = ""
    limit_setting: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds < 1:
            raise ValueError("a quota needs a positive limit and window")

    @property
    def scope(self) -> str:
        return "app" if self.per_app else "account"

    def describe(self, limit: int | None = None) -> str:
        """ "100 posts per 15 minutes per account" """
        limit = self.limit if limit is None else limit
        if self.daily_reset_zone:
            period = f"day (from midnight {self.daily_reset_zone})"
        else:
            period = _period(self.window_seconds)
        owner = "for the whole app" if self.per_app else "per account"
        return f"{limit:,} posts per {period} {owner}"


def _period(seconds: int) -> str:
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


@dataclass(frozen=True)
class PlatformLimits:
    """What a post may be on this platform, for people and tools to read before the client checks it.

    The home of the platform's limits: its text length, the media one post may carry, and its posting
    quotas (the client still counts text the way its platform does).
    """

    text_length: int | None = None  # the most characters of text, as the platform counts them
    # The media one post may carry, checked against library assets where a post is saved (and offered a
    # rendition where the fix is mechanical). None: the platform takes no media through this scheduler.
    media: MediaRules | None = None
    # How many posts the platform takes per account or per app; the publisher defers a post that would
    # exceed one until the window frees (docs/architecture.md, "Quotas").
    quotas: tuple[QuotaRule, ...] = ()


# How long before its expiry an access token is refreshed ahead of a publish, unless a spec says otherwise:
# longer than a slow upload, much shorter than X's two-hour tokens.
DEFAULT_TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Badge:
    """How an account of the platform is marked in the admin: a short label on the platform's color."""

    label: str  # "X", "FB"
    color: str  # a CSS color


@dataclass(frozen=True)
class PlatformSpec:
    """Everything the rest of the product needs to know about one platform."""

    platform: str  # the ``social.models.Platform`` value, e.g. "TWITTER"; its package is named ``slug``
    name: str  # how people call it in messages and page titles: "X", "Facebook"
    badge: Badge
    # What one connectable account is called, in the picker of platforms that offer several ("Page").
    account_noun: str = "account"
    # The admin's button; unset: "Connect <name> <account_noun>" ("Connect X account").
    connect_label: str = ""
    # How its classes are named; unset: ``name`` ("LinkedIn": ``LinkedInClient``, ``LinkedInProvider``).
    class_prefix: str = ""
    # Dotted path of its ``BaseClient`` subclass; unset: ``<package>.client.<class_prefix>Client``.
    client: str = ""
    # Dotted path of its account provider (connecting and token refresh); unset:
    # ``<package>.oauth.<class_prefix>Provider``; None: accounts cannot be connected from the site.
    provider: str | None = ""
    # The post form's fields for this platform. Every platform takes its own text: without a ``content``
    # option, "Text for <name>" comes first.
    options: tuple[OptionField, ...] = ()
    settings: tuple[Setting, ...] = ()
    limits: PlatformLimits = field(default_factory=PlatformLimits)
    # Dotted path of a view that starts connecting instead of the OAuth redirect (a form first): called as
    # ``view(request, provider)`` for GET and POST of /social/connect/<platform>/, staff only.
    connect_view: str | None = None
    # True: the platform fetches media from a public URL itself (Instagram, Threads, Facebook), so a
    # library asset goes to it as a signed, expiring URL checked reachable first; False: its client
    # uploads the bytes, streamed from the library's storage.
    fetches_media_by_url: bool = False
    # Dotted path of ``rules(account, media_rules) -> MediaRules``: the media rules of one account where
    # they differ per account (Mastodon's server limits, cached on the account); reads only what is loaded.
    account_media_rules: str | None = None
    # Dotted path of ``refresh(account) -> None``: brings up to date, and saves, the facts about an account
    # its client's validation reads from ``account.extra`` (Mastodon's per-server limits). Called where a
    # person saves a post; never from a publisher's platform call, which only reads what is loaded.
    account_refresh: str | None = None
    # A platform with tables and pages of its own (the Sandbox, a simulated network): the dotted path of
    # its Django app, added to INSTALLED_APPS only while the platform is enabled, and of the URLconf served
    # under /<slug>/. None for platforms that are only a client and a provider.
    django_app: str | None = None
    urls: str | None = None
    # A token that expires within this is refreshed before the publish that finds it (through the refresh
    # service, under the account's lock). Threads' 60-day tokens are refreshed days ahead.
    token_refresh_margin: timedelta = DEFAULT_TOKEN_REFRESH_MARGIN

    def __post_init__(self) -> None:
        # The conventions every platform package follows, so a spec declares only what is its own.
        package = f"social.platforms.{self.slug}"
        prefix = self.class_prefix or self.name
        defaults = {
            "connect_label": f"Connect {self.name} {self.account_noun}",
            "class_prefix": prefix,
            "client": f"{package}.client.{prefix}Client",
            "provider": f"{package}.oauth.{prefix}Provider",
        }
        for attribute, default in defaults.items():
            if getattr(self, attribute) == "":
                object.__setattr__(self, attribute, default)
        if not any(option.key == CONTENT for option in self.options):
            content = OptionField(CONTENT, f"Text for {self.name}", multiline=True)
            object.__setattr__(self, "options", (content, *self.options))

    @property
    def slug(self) -> str:
        """The platform in URLs and CSS classes: ``twitter``."""
        return self.platform.lower()

    def setting_name(self, suffix: str) -> str:
        return f"{self.platform}_{suffix}"

    def option_field_name(self, option: OptionField) -> str:
        """The post form's field for ``option``: ``linkedin_visibility``."""
        return f"{self.slug}_{option.key}"

    @property
    def client_class(self) -> type[BaseClient]:
        return import_string(self.client)

    @property
    def provider_class(self) -> type[OAuthProvider] | None:
        return import_string(self.provider) if self.provider else None
