"""The post form's picker endpoints: the library page by page with a search, the check of picked assets
against a post's accounts (with the rendition offered), and making a rendition answered as JSON."""

from __future__ import annotations

import pytest

from media_library.models import MediaAsset
from social.models import Platform
from social.models import SocialAccount

from .files import make_jpeg
from .files import make_png
from .posts import add_file

pytestmark = pytest.mark.django_db

PICKER = "/admin/media_library/mediaasset/picker/"
CHECK = "/admin/media_library/mediaasset/picker/check/"


def account(owner, platform: str, name: str, **extra) -> SocialAccount:
    return SocialAccount.objects.create(
        platform=platform,
        external_id=f"{platform}-{name}",
        name=name,
        owner=owner,
        access_token="t",
        extra=extra,
    )


def test_picker__lists_the_library_newest_first_and_searches_names_and_alt_text(
    staff_client, staff_user, tmp_path, settings
):
    first = add_file(staff_user, make_png(tmp_path / "chart-q1.png", 300, 200), alt_text="Sales by month")
    second = add_file(staff_user, make_jpeg(tmp_path / "team.jpg", 640, 480))

    everything = staff_client.get(PICKER).json()
    by_alt_text = staff_client.get(PICKER, {"q": "sales MONTH"}).json()
    nothing = staff_client.get(PICKER, {"q": "holiday"}).json()

    assert [card["id"] for card in everything["assets"]] == [second.pk, first.pk]
    assert everything["next_page"] is None
    card = everything["assets"][1]
    assert card == {
        "id": first.pk,
        "original_name": "chart-q1.png",
        "facts": f"Image · 300x200 · {card['facts'].rsplit(' · ', 1)[1]}",
        "alt_text": "Sales by month",
        "rendition_of": "",
        "thumbnail_url": f"/admin/media_library/mediaasset/{first.pk}/thumbnail/",
        "change_url": f"/admin/media_library/mediaasset/{first.pk}/change/",
        "rendition_url": f"/admin/media_library/mediaasset/{first.pk}/rendition/",
    }
    assert [card["id"] for card in by_alt_text["assets"]] == [first.pk]
    assert nothing == {"assets": [], "next_page": None}


def test_picker__pages_through_a_large_library(staff_client, staff_user, tmp_path):
    for index in range(26):
        add_file(staff_user, make_png(tmp_path / f"p{index}.png", 40 + index, 40))

    first = staff_client.get(PICKER).json()
    second = staff_client.get(PICKER, {"page": first["next_page"]}).json()

    assert (len(first["assets"]), first["next_page"], len(second["assets"]), second["next_page"]) == (
        24,
        2,
        2,
        None,
    )


def test_picker_check__what_the_chosen_accounts_refuse_with_the_rendition_that_fixes_it(
    staff_client, staff_user, tmp_path
):
    story = add_file(staff_user, make_png(tmp_path / "story.png", 1080, 1920))
    square = add_file(staff_user, make_jpeg(tmp_path / "square.jpg", 1080, 1080))
    instagram = account(staff_user, Platform.INSTAGRAM, "acme.ig")
    x = account(staff_user, Platform.TWITTER, "acme")

    answer = staff_client.get(
        CHECK, {"assets": f"{story.pk},{square.pk}", "accounts": f"{instagram.pk},{x.pk}"}
    )

    assert answer.json() == {
        "assets": {
            str(story.pk): {
                "problems": [
                    "Instagram: PNG is not accepted (accepted: JPEG) — use its 4:5 JPEG rendition",
                    "Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 JPEG rendition",
                ],
                "fix": "crop=4:5..1.91:1;format=jpeg",
                "fix_name": "4:5 JPEG",
                "fix_description": "crop (centred) to an aspect ratio between 4:5 and 1.91:1, convert to JPEG",
            },
            str(square.pk): {"problems": [], "fix": "", "fix_name": "", "fix_description": ""},
        }
    }
    only_x = staff_client.get(
        CHECK, {"assets": story.pk, "accounts": f"{instagram.pk},{x.pk}", "platform": "TWITTER"}
    )
    assert only_x.json()["assets"][str(story.pk)]["problems"] == []


def test_picker_check__two_mastodon_servers_are_named_by_account(staff_client, staff_user, tmp_path):
    photo = add_file(staff_user, make_jpeg(tmp_path / "photo.jpg", 800, 600))
    small = account(
        staff_user,
        Platform.MASTODON,
        "@ana@small.example",
        server_url="https://small.example",
        instance={"image_size_limit": 1000, "fetched_at": "2026-11-30T10:00:00+00:00"},
    )
    big = account(staff_user, Platform.MASTODON, "@ana@big.example", server_url="https://big.example")

    problems = staff_client.get(CHECK, {"assets": photo.pk, "accounts": f"{small.pk},{big.pk}"}).json()

    assert [line.split(":")[0] for line in problems["assets"][str(photo.pk)]["problems"]] == [
        "Mastodon (@ana@small.example)"
    ]


def test_rendition__answers_json_for_the_picker_and_reuses_it(staff_client, staff_user, tmp_path):
    story = add_file(staff_user, make_jpeg(tmp_path / "story.jpg", 1080, 1920))
    url = f"/admin/media_library/mediaasset/{story.pk}/rendition/"

    made = staff_client.post(url, {"recipe": "crop=4:5..1.91:1"}, HTTP_ACCEPT="application/json").json()
    again = staff_client.post(url, {"recipe": "crop=4:5..1.91:1"}, HTTP_ACCEPT="application/json").json()
    bad = staff_client.post(url, {"recipe": "sharpen=2"}, HTTP_ACCEPT="application/json")

    rendition = MediaAsset.objects.get(source=story)
    assert (rendition.width, rendition.height) == (1080, 1350)
    assert made["created"] is True and again["created"] is False
    assert made["asset"]["id"] == again["asset"]["id"] == rendition.pk
    assert made["asset"]["rendition_of"] == "story.jpg"
    assert made["message"] == (
        "Made rendition “story (rendition).jpg (crop=4:5..1.91:1)”: crop (centred) to an aspect ratio between "
        "4:5 and 1.91:1."
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "That rendition recipe is not valid."})


def test_picker_endpoints__are_for_staff_only(client, django_user_model):
    for url in (PICKER, CHECK):
        assert client.get(url).status_code == 302
    client.force_login(django_user_model.objects.create_user("reader", password="pw-reader-1"))
    for url in (PICKER, CHECK):
        assert client.get(url).status_code == 302
