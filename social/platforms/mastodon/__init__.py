"""Mastodon, on any server: the app registers itself on each server at the first connect there and is kept;
accounts connect by OAuth with PKCE at their server; statuses go out with an ``Idempotency-Key``; the
character limit, URL weight and media limits are each server's own, read from ``/api/v2/instance``."""

from social.platforms.spec import OptionField, PlatformLimits, PlatformSpec, Setting

# Mastodon's own default; each server's limit (cached on the account) is the one enforced.
DEFAULT_MAX_CHARACTERS = 500
# The status's ``visibility``; unset, the account's own default on its server applies.
VISIBILITY = OptionField(
    "visibility",
    "Mastodon visibility",
    choices=(
        ("public", "Public"),
        ("unlisted", "Quiet public (not in public timelines)"),
        ("private", "Followers only"),
        ("direct", "Mentioned people only"),
    ),
)

SPEC = PlatformSpec(
    platform="MASTODON",
    name="Mastodon",
    badge="M",
    color="#6364ff",
    connect_label="Connect Mastodon account",
    client="social.platforms.mastodon.client.MastodonClient",
    provider="social.platforms.mastodon.oauth.MastodonProvider",
    options=(
        OptionField("content", "Text for Mastodon", multiline=True),
        VISIBILITY,
        OptionField("spoiler_text", "Mastodon content warning"),
        OptionField("language", "Mastodon language (ISO 639-1, e.g. en)"),
    ),
    settings=(
        # The app's name as each server shows it to the person signing in.
        Setting("CLIENT_NAME", "Social Scheduler"),
        # true: servers on http:// or at private and loopback addresses may be connected (local testing).
        Setting("ALLOW_LOCAL_SERVERS", "false"),
    ),
    limits=PlatformLimits(text_length=DEFAULT_MAX_CHARACTERS),
    connect_view="social.platforms.mastodon.views.connect_server",
    account_refresh="social.platforms.mastodon.services.mastodon_account_refresh_limits",
)
