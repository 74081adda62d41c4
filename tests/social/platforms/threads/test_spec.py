"""What the Threads spec gives the rest of the product: the badge, the labels, the settings, the limits."""

from __future__ import annotations

from datetime import timedelta

from calendar_app.admin.display import platform_badge
from social.platforms import get_provider
from social.platforms import platform_spec
from social.platforms import token_refresh_margin


def test_spec__badge_labels_limits_and_token_margin():
    spec = platform_spec("THREADS")

    assert platform_badge("THREADS") == ("TH", "#101010")
    assert (spec.name, spec.slug, spec.connect_label) == ("Threads", "threads", "Connect Threads account")
    assert [(option.key, option.label) for option in spec.options] == [("content", "Text for Threads")]
    assert spec.limits.text_length == 500
    assert [(rule.limit, rule.window_seconds) for rule in spec.limits.quotas] == [(250, 24 * 3600)]
    assert token_refresh_margin("THREADS") == timedelta(days=14)
    assert token_refresh_margin("TWITTER") == timedelta(minutes=5)


def test_spec__the_provider_asks_for_publishing_and_nothing_more(oauth_apps):
    provider = get_provider("THREADS")

    assert provider.scopes == ("threads_basic", "threads_content_publish")
    assert provider.is_configured and provider.supports_refresh
