"""The optional platform's spec: only imported while ``OPTIONAL_TEST_PLATFORM`` is on."""

from social.platforms.spec import PlatformSpec, Setting

SPEC = PlatformSpec(
    platform="OPTIONAL_TEST",
    name="Optional",
    badge="Op",
    color="#123",
    connect_label="Connect Optional account",
    client="tests.calendar_app.factories.FakeXClient",
    settings=(
        Setting("API_URL", "https://optional.example"),
        Setting("MIRROR_URL", "{OPTIONAL_TEST_API_URL}/m"),
    ),
)
