"""The Sandbox: a local simulation of a social network that this site serves under ``/sandbox/`` and
publishes to like any platform, so the product can be tried without any platform's credentials.

On in development, off elsewhere unless ``SANDBOX_PLATFORM=true``; while off, nothing here is imported (this
spec is only read once the setting is on). Two halves:

- the platform as the product meets it, like every other package: ``client.py`` (publishing over HTTP) and
  ``oauth.py`` (connecting by the OAuth code flow with PKCE, refreshing tokens);
- the network it talks to, a Django app of its own (``apps.py``, label ``sandbox``, with its own tables and
  migrations): ``network/`` answers the OAuth consent page, the token endpoint and the API, and shows each
  account's timeline; the faults and latency chosen per account in the admin make retries, partial failures
  and reconciliation visible.
"""

from social.platforms.media_rules import MB
from social.platforms.media_rules import KindRules
from social.platforms.media_rules import MediaRules
from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformLimits
from social.platforms.spec import PlatformSpec
from social.platforms.spec import Setting

# What the network takes (the client checks the same numbers before sending anything).
TEXT_LIMIT = 500
ALT_TEXT_LIMIT = 1500
MAX_IMAGES = 4
# Up to four images, or one GIF or one video alone (like X), so the library's checks and renditions apply.
MEDIA_RULES = MediaRules(
    image=KindRules(frozenset({"image/jpeg", "image/png", "image/webp"}), max_bytes=8 * MB),
    gif=KindRules(frozenset({"image/gif"}), max_bytes=15 * MB),
    video=KindRules(frozenset({"video/mp4", "video/quicktime", "video/webm"}), max_bytes=200 * MB),
    max_items=MAX_IMAGES,
    max_videos=1,
    max_gifs=1,
    mixed_kinds=False,
)

SPEC = PlatformSpec(
    platform="SANDBOX",
    name="Sandbox",
    badge=Badge("Sandbox", "#b45309"),
    options=(OptionField("content", "Text for the Sandbox", multiline=True),),
    settings=(
        # Where the publisher and the connect flow reach the Sandbox (this site), e.g. http://127.0.0.1:8000.
        # Unset: SITE_URL when set, else the address the account was connected through, kept on the account.
        Setting("URL", ""),
        # How long the network takes to answer each API call, unless an account sets its own.
        Setting("LATENCY_MS", "150"),
    ),
    limits=PlatformLimits(text_length=TEXT_LIMIT, media=MEDIA_RULES),
    django_app="social.platforms.sandbox.apps.SandboxConfig",
    urls="social.platforms.sandbox.urls",
)
