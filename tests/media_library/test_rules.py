"""Platform rules applied to assets: each problem names the platform and the rule, with its mechanical fix."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from media_library.platform_rules import media_rules_for
from media_library.platform_rules import platforms_fetching_media_by_url
from media_library.platform_rules import platforms_with_media_rules
from media_library.recipes import AspectRatio
from media_library.recipes import RenditionRecipe
from media_library.rules import KindRules
from media_library.rules import MediaRules
from media_library.rules import media_location_note
from media_library.rules import media_rules_check
from media_library.rules import media_rules_check_selection
from media_library.rules import media_rules_fix
from social.models import SocialAccount
from social.platforms import platform_specs


@dataclass
class Facts:
    kind: str = "image"
    mime_type: str = "image/jpeg"
    size: int = 100_000
    width: int | None = 1080
    height: int | None = 1080
    duration: float | None = None
    has_location: bool = False


def check(platform: str, label: str, facts: Facts) -> list:
    return media_rules_check(asset=facts, rules=media_rules_for(platform), platform=label)


def test_media_rules_check__instagram_portrait_story_is_outside_the_aspect_range():
    problems = check("INSTAGRAM", "Instagram", Facts(width=1080, height=1920))

    assert [problem.message for problem in problems] == [
        "Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1"
    ]
    assert problems[0].rule == "aspect_ratio"
    assert problems[0].fix == RenditionRecipe(min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1))


def test_media_rules_check__instagram_png_is_offered_a_jpeg():
    problems = check("INSTAGRAM", "Instagram", Facts(mime_type="image/png"))

    assert [str(problem) for problem in problems] == ["Instagram: PNG is not accepted (accepted: JPEG)"]
    assert problems[0].fix == RenditionRecipe(format="jpeg")


def test_media_rules_check__limits_at_the_edge_are_accepted():
    assert check("INSTAGRAM", "Instagram", Facts(width=1080, height=1350, size=8_000_000)) == []
    assert check("INSTAGRAM", "Instagram", Facts(width=1910, height=1000)) == []
    assert check("BLUESKY", "Bluesky", Facts(size=2_000_000)) == []
    assert (
        check("TWITTER", "X", Facts(kind="video", mime_type="video/mp4", duration=140, size=512_000_000))
        == []
    )


def test_media_rules_check__bluesky_image_over_two_million_bytes():
    # app.bsky.embed.images: 2,000,000 bytes per image since April 2026 (1,000,000 before).
    problems = check("BLUESKY", "Bluesky", Facts(size=2_000_001))

    assert [str(problem) for problem in problems] == [
        "Bluesky: the image is 1.9\xa0MB (2,000,001 bytes), the limit is 1.9\xa0MB (2,000,000 bytes)"
    ]
    assert problems[0].fix == RenditionRecipe(max_bytes=2_000_000)


def test_media_rules_check__x_video_limits_have_no_automatic_fix():
    problems = check(
        "TWITTER", "X", Facts(kind="video", mime_type="video/mp4", duration=141.5, size=600_000_000)
    )

    assert [(problem.rule, problem.fix) for problem in problems] == [
        ("max_bytes", None),
        ("max_duration", None),
    ]
    assert problems[1].message == "X: the video lasts 141.5 s, the longest accepted is 140 s"
    short = check("TWITTER", "X", Facts(kind="video", mime_type="video/mp4", duration=0.2))
    assert [str(problem) for problem in short] == ["X: the video lasts 0.2 s, the shortest accepted is 0.5 s"]


def test_media_rules_check__x_gif_has_its_own_limit():
    assert check("TWITTER", "X", Facts(kind="gif", mime_type="image/gif", size=14_000_000)) == []
    problems = check("TWITTER", "X", Facts(kind="gif", mime_type="image/gif", size=16_000_000))
    assert [problem.rule for problem in problems] == ["max_bytes"]


def test_media_rules_check__youtube_takes_no_images():
    problems = check("YOUTUBE", "YouTube", Facts())

    assert [str(problem) for problem in problems] == ["YouTube: images are not accepted (it takes videos)"]
    assert problems[0].fix is None


def test_media_rules_check__linkedin_counts_pixels_and_takes_gifs_as_images():
    problems = check("LINKEDIN", "LinkedIn", Facts(width=8000, height=6000))
    assert [problem.rule for problem in problems] == ["max_pixels"]
    assert problems[0].fix == RenditionRecipe(max_pixels=36_152_319)
    assert check("LINKEDIN", "LinkedIn", Facts(kind="gif", mime_type="image/gif")) == []


def test_media_rules_check__instagram_gif_is_offered_as_a_jpeg_still():
    problems = check("INSTAGRAM", "Instagram", Facts(kind="gif", mime_type="image/gif"))

    assert [str(problem) for problem in problems] == [
        "Instagram: GIFs are not accepted (it takes images and videos)"
    ]
    assert problems[0].fix == RenditionRecipe(format="jpeg")


def test_media_rules_check__dimensions_name_the_limit():
    rules = MediaRules(image=KindRules(frozenset({"image/jpeg"}), min_width=320, max_height=1000))

    problems = media_rules_check(asset=Facts(width=200, height=1200), rules=rules, platform="Example")

    assert [str(problem) for problem in problems] == [
        "Example: the image is 200x1200, it must be at least 320 px wide",
        "Example: the image is 200x1200, it must be at most 1000 px high",
    ]
    assert problems[0].fix is None and problems[1].fix == RenditionRecipe(max_height=1000)


def test_media_rules_check_selection__x_takes_four_images_or_one_video_not_both():
    image, video = Facts(), Facts(kind="video", mime_type="video/mp4", duration=10)

    problems = media_rules_check_selection(
        assets=[image] * 4 + [video, video], rules=media_rules_for("TWITTER"), platform="X"
    )

    assert [str(problem) for problem in problems] == [
        "X: 6 media attached, at most 4 per post",
        "X: 2 videos, at most 1 per post",
        "X: a post's media must all be images, or one GIF, or one video, not a mix",
    ]


def test_media_rules_fix__combines_every_mechanical_fix_keeping_the_stricter_limit():
    problems = check(
        "INSTAGRAM", "Instagram", Facts(mime_type="image/png", width=3000, height=1000, size=9_000_000)
    )

    assert [problem.rule for problem in problems] == ["format", "max_bytes", "aspect_ratio"]
    fix = media_rules_fix(problems)
    assert fix == RenditionRecipe(
        min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1), format="jpeg", max_bytes=8_000_000
    )
    assert media_rules_fix([]) is None


def test_media_location_note__offers_to_strip_gps():
    note = media_location_note(Facts(has_location=True))

    assert note.severity == "warning" and note.fix == RenditionRecipe(strip_location=True)
    assert media_location_note(Facts()) is None


@pytest.mark.parametrize(
    "recipe",
    [
        RenditionRecipe(format="jpeg"),
        RenditionRecipe(
            min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1), format="jpeg", max_bytes=8_000_000
        ),
        RenditionRecipe(max_width=1440, max_pixels=36_152_319, strip_location=True),
        RenditionRecipe(max_height=1000),
    ],
)
def test_rendition_recipe__key_round_trips(recipe):
    assert RenditionRecipe.from_key(recipe.key) == recipe


def test_rendition_recipe__describes_itself_in_words():
    recipe = RenditionRecipe(min_aspect=AspectRatio(4, 5), max_aspect=AspectRatio(1.91, 1), format="jpeg")

    assert recipe.key == "crop=4:5..1.91:1;format=jpeg"
    assert recipe.describe() == "crop (centred) to an aspect ratio between 4:5 and 1.91:1, convert to JPEG"


def test_rendition_recipe__unknown_step_is_refused():
    with pytest.raises(ValueError, match="unknown rendition step 'sharpen'"):
        RenditionRecipe.from_key("sharpen=2")


def test_platform_rules__every_platform_declares_its_rules_on_its_spec():
    assert platforms_with_media_rules() == [spec.platform for spec in platform_specs()]
    assert set(platforms_with_media_rules()) >= {
        "TWITTER",
        "FACEBOOK",
        "INSTAGRAM",
        "LINKEDIN",
        "YOUTUBE",
        "MASTODON",
        "BLUESKY",
    }
    for spec in platform_specs():
        assert media_rules_for(spec.platform) is spec.limits.media
    assert media_rules_for("NOT_A_PLATFORM") is None


def test_platform_rules__platforms_that_fetch_by_url_are_flagged_on_their_specs():
    assert set(platforms_fetching_media_by_url()) == {"INSTAGRAM", "FACEBOOK"} | (
        {"THREADS"} if "THREADS" in {spec.platform for spec in platform_specs()} else set()
    )


def test_platform_rules__a_mastodon_account_gets_its_servers_limits():
    account = SocialAccount(
        platform="MASTODON",
        extra={
            "server_url": "https://small.example",
            "instance": {
                "max_media_attachments": 2,
                "image_size_limit": 8 * 1024 * 1024,
                "video_size_limit": 40 * 1024 * 1024,
                "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
                "fetched_at": "2026-11-30T10:00:00+00:00",
            },
        },
    )

    rules = media_rules_for("MASTODON", account=account)

    assert rules.max_items == 2 and rules.max_videos == 1
    assert rules.image.mime_types == {"image/jpeg", "image/png"} and rules.image.max_bytes == 8 * 1024 * 1024
    assert rules.gif is None  # the server lists its types, and GIFs are not among them
    assert rules.video.mime_types == {"video/mp4"} and rules.video.max_bytes == 40 * 1024 * 1024
    big = Facts(size=9 * 1024 * 1024, mime_type="image/png")
    assert [str(problem) for problem in media_rules_check(asset=big, rules=rules, platform="Mastodon")] == [
        "Mastodon: the image is 9.0\xa0MB (9,437,184 bytes), the limit is 8.0\xa0MB (8,388,608 bytes)"
    ]
    assert [
        str(problem)
        for problem in media_rules_check_selection(assets=[Facts()] * 3, rules=rules, platform="Mastodon")
    ] == ["Mastodon: 3 media attached, at most 2 per post"]


def test_platform_rules__a_mastodon_server_never_read_keeps_mastodons_defaults():
    account = SocialAccount(platform="MASTODON", extra={"server_url": "https://new.example"})

    rules = media_rules_for("MASTODON", account=account)

    assert rules == media_rules_for("MASTODON")
    assert rules.image.max_bytes == 16 * 1024 * 1024 and rules.max_items == 4
