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
- Off unless a setting says so (the Sandbox): the registry line carries ``enabled_by``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

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
class PlatformLimits:
    """What a post may be on this platform, for people and tools to read before the client checks it.

    The home of the platform's limits as they move out of the clients: next, how text is counted,
    media rules and posting quotas.
    """

    text_length: int | None = None  # the most characters of text, as the platform counts them
    # The most posts one account may publish in any 24 hours (a rolling window, as the platform enforces
    # it); None: no such cap is known. A quota the publisher respects, not a validation at save time.
    posts_per_24h: int | None = None


# How long before its expiry an access token is refreshed ahead of a publish, unless a spec says otherwise:
# longer than a slow upload, much shorter than X's two-hour tokens.
DEFAULT_TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class PlatformSpec:
    """Everything the rest of the product needs to know about one platform."""

    platform: str  # the ``social.models.Platform`` value, e.g. "TWITTER"
    name: str  # how people call it in messages and page titles: "X", "Facebook"
    badge: str  # the short label of an account's badge in the admin: "X", "FB"
    color: str  # the badge's background (CSS color)
    connect_label: str  # the admin's button: "Connect X account"
    client: str  # dotted path of its ``BaseClient`` subclass
    # Dotted path of its account provider (connecting and token refresh); None: accounts cannot be
    # connected from the site.
    provider: str | None = None
    # What one connectable account is called, in the picker of platforms that offer several ("Page").
    account_noun: str = "account"
    options: tuple[OptionField, ...] = ()
    settings: tuple[Setting, ...] = ()
    limits: PlatformLimits = field(default_factory=PlatformLimits)
    # Dotted path of a view that starts connecting instead of the OAuth redirect (a form first): called as
    # ``view(request, provider)`` for GET and POST of /social/connect/<platform>/, staff only.
    connect_view: str | None = None
    # Dotted path of ``refresh(account) -> None``: brings up to date, and saves, the facts about an account
    # its client's validation reads from ``account.extra`` (Mastodon's per-server limits). Called where a
    # person saves a post; never from a publisher's platform call, which only reads what is loaded.
    account_refresh: str | None = None
    # A token that expires within this is refreshed before the publish that finds it (through the refresh
    # service, under the account's lock). Threads' 60-day tokens are refreshed days ahead.
    token_refresh_margin: timedelta = DEFAULT_TOKEN_REFRESH_MARGIN

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
