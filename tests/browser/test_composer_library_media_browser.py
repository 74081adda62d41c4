"""The composer counts media picked from the library as it counts media given by address: Instagram's
"needs an image" problem goes once an asset is picked, and comes back as "exactly 1" for a second one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from social.models import Platform

from ..calendar_app.factories import make_account
from ..media_library.files import make_jpeg
from ..media_library.posts import add_file
from .conftest import log_in
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-composer-library-1"
NEEDS_MEDIA = "a post needs one image or video; Instagram has no text-only posts"


@pytest.fixture
def author(django_user_model, settings, tmp_path):
    """A person with two images in the library (kept under this test's own MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    person = django_user_model.objects.create_superuser(username="composer", password=PASSWORD)
    add_file(person, make_jpeg(tmp_path / "launch.jpg", 1080, 1080), alt_text="The launch")
    add_file(person, make_jpeg(tmp_path / "team.jpg", 1080, 1350))
    return person


def pick(page: Page, name: str) -> None:
    page.locator("#id_library_media-picker").get_by_role("button", name="Choose from the library").click()
    dialog = page.locator("dialog.media-picker-dialog")
    dialog.locator(".media-picker-choice", has_text=name).click()
    dialog.get_by_role("button", name="Done").click()


def test_composer__library_media_count_for_instagram_as_they_are_picked_and_removed(page: Page, author):
    make_account(author, platform=Platform.INSTAGRAM, name="acme.studio")
    log_in(page, "composer", PASSWORD)
    page.goto("/admin/calendar_app/scheduledpost/add/")
    page.fill("#id_content", "Launch day")
    page.get_by_label("acme.studio").check()
    card = page.locator('.composer-platform[data-platform="INSTAGRAM"]')
    expect(card.locator(".composer-problems li")).to_have_text([NEEDS_MEDIA])

    pick(page, "launch.jpg")
    expect(card.locator(".composer-problems")).to_have_count(0)
    expect(card.locator(".composer-media-item")).to_have_count(1)
    expect(card.locator(".composer-media-item")).to_have_class("composer-media-item composer-media-image")
    expect(page.locator(".composer-status")).to_have_text("Counted as each platform counts.")
    screenshot(page, "composer-library-01-picked.png")

    pick(page, "team.jpg")
    expect(card.locator(".composer-problems li")).to_have_text(
        ["2 media items, a post here takes exactly 1 image or video"]
    )
    expect(card.locator(".composer-media-item")).to_have_count(2)

    page.locator("#id_library_media-picker .media-picker-item", has_text="team.jpg").get_by_role(
        "button", name="Remove"
    ).click()
    expect(card.locator(".composer-problems")).to_have_count(0)
    expect(card.locator(".composer-media-item")).to_have_count(1)
