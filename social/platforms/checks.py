"""System checks of the platforms and their OAuth configuration: found by `manage.py check`, not at a
person's first connect or a post's first publish."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Warning
from django.core.checks import register
from django.utils.module_loading import import_string

from .registry import oauth_providers
from .registry import platform_specs


@register()
def check_platform_specs(app_configs=None, **kwargs):
    """Each enabled platform is a ``Platform`` choice, and the code its spec names can be imported."""
    from social.models import Platform

    messages = []
    for spec in platform_specs():
        if spec.platform not in Platform.values:
            messages.append(
                Error(
                    f"The platform {spec.platform} ({spec.name}) is enabled but is not a Platform choice.",
                    hint="Add it to social.models.Platform (with a migration), or remove its registry line.",
                    id="social.E012",
                )
            )
        for path in filter(None, (spec.client, spec.provider, spec.connect_view, spec.account_refresh)):
            try:
                import_string(path)
            except ImportError as exc:
                messages.append(Error(f"{spec.name}: {path} cannot be imported ({exc}).", id="social.E013"))
    return messages


@register()
def check_platform_urls(app_configs=None, **kwargs):
    """Each platform's ``<P>_*_URL`` setting is an absolute http(s) URL: a typo ("bsky.social") would only
    show at the first connect or publish otherwise."""
    messages = []
    for spec in platform_specs():
        for setting in spec.settings:
            if not setting.suffix.endswith("URL"):
                continue
            name = spec.setting_name(setting.suffix)
            value = str(getattr(settings, name, "") or "")
            if not value and not setting.default:
                continue  # declared without a default: unset means worked out at run time (SANDBOX_URL)
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                messages.append(
                    Error(
                        f"{name} must be an absolute http(s) URL without query or fragment.",
                        hint=f"For example {setting.default or 'https://api.example.com'}.",
                        id="social.E014",
                    )
                )
    return messages


@register()
def check_oauth_credentials(app_configs=None, **kwargs):
    """A client id without its secret (or the reverse) is a typo, not a platform left out on purpose."""
    messages = []
    for provider in oauth_providers():
        names = [provider.setting_name("CLIENT_ID"), provider.setting_name("CLIENT_SECRET")]
        unset = [name for name in names if not getattr(settings, name, "")]
        if len(unset) == 1:
            messages.append(
                Warning(
                    f"{provider.display_name} accounts cannot be connected: {unset[0]} is not set "
                    f"but {next(name for name in names if name not in unset)} is.",
                    hint="Set both from the platform's developer console, or neither to leave it out.",
                    id="social.W010",
                )
            )
    return messages


@register()
def check_oauth_urls(app_configs=None, **kwargs):
    messages = []
    # oauthlib refuses plain HTTP endpoints unless told otherwise (local fakes).
    if not os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"):
        for provider in oauth_providers():
            for suffix in ("AUTHORIZE_URL", "TOKEN_URL"):
                value = getattr(settings, provider.setting_name(suffix), "")
                if value and not value.lower().startswith("https://"):
                    messages.append(
                        Error(
                            f"{provider.setting_name(suffix)} must be an https:// URL.",
                            hint="OAuth endpoints are only called over TLS (set OAUTHLIB_INSECURE_TRANSPORT=1 "
                            "for a local fake).",
                            id="social.E010",
                        )
                    )
    base = settings.OAUTH_REDIRECT_BASE_URL
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            messages.append(
                Error(
                    "OAUTH_REDIRECT_BASE_URL must be an absolute http(s) URL without query or fragment.",
                    hint="For example https://scheduler.example.com; redirect URIs are "
                    "<OAUTH_REDIRECT_BASE_URL>/social/callback/<platform>/.",
                    id="social.E011",
                )
            )
    return messages
