"""A post with library media, in Chromium: an image dropped on the post form uploads, Instagram's aspect-ratio
refusal shows at once, the rendition is accepted (and said so), the post is scheduled, and the real publisher
sends the rendition to the simulated Instagram as a signed URL, which Instagram fetches from the site."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
import responses
from playwright.sync_api import Page
from playwright.sync_api import expect

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.publisher import publish_due_posts
from features.account_steps import connect_account
from features.platforms import SimulatedPlatforms
from media_library.models import MediaAsset
from media_library.models import MediaUsage
from media_library.services.public_urls import public_token_read

from ..media_library.conftest import media_root  # noqa: F401  (each test's own MEDIA_ROOT)
from ..media_library.files import make_jpeg
from ..media_library.posts import add_file
from .conftest import log_in
from .conftest import make_superuser
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADD = "/admin/calendar_app/scheduledpost/add/"


@pytest.fixture
def editor(django_user_model):
    return make_superuser(django_user_model, "editor")


@pytest.fixture
def instagram_platform(live_server, settings):
    """Instagram simulated at the wire; it fetches each media URL it is given from the live site, as Meta
    does. The publisher's own check of the URL goes to the site for real too."""
    settings.SITE_URL = live_server.url
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(live_server.url)
        platforms = SimulatedPlatforms(mock)
        platforms.world.configure({"fetch_media": True})
        yield platforms
        assert not platforms.unexpected_requests()


def test_drop_an_image__accept_the_instagram_rendition__schedule__the_rendition_goes_out(
    page: Page, editor, instagram_platform, tmp_path
):
    account = connect_account("Instagram account", "acme.studio", editor)
    instagram_platform.connect(account)
    story = make_jpeg(tmp_path / "story.jpg", 1080, 1920)

    log_in(page, "editor")
    page.goto(ADD)
    page.fill("#id_content", "Backstage at the launch")
    page.get_by_label("acme.studio").check()
    picker = page.locator("#id_library_media-picker")
    transfer = page.evaluate_handle(
        """([name, data]) => { const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, {type: 'image/jpeg'}));
          return transfer; }""",
        ["story.jpg", base64.b64encode(story.read_bytes()).decode()],
    )
    picker.dispatch_event("drop", {"dataTransfer": transfer})

    card = picker.locator(".media-picker-item[data-asset-id]")
    expect(card.locator(".media-picker-name")).to_have_text("story.jpg")
    expect(card.locator(".media-picker-problems li")).to_have_text(
        ["Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1 — use its 4:5 rendition"]
    )
    original = MediaAsset.objects.get()
    screenshot(page, "post-media-01-instagram-refuses.png")

    card.get_by_role("button", name="Use its 4:5 rendition").click()
    expect(card.locator(".media-picker-notice")).to_have_text(
        "Swapped “story.jpg” for its rendition “story (rendition).jpg” (crop (centred) to an aspect ratio "
        "between 4:5 and 1.91:1) in this post. The original stays in the library."
    )
    expect(card.locator(".media-picker-ok")).to_have_text("Fits every chosen account.")
    expect(card.locator(".media-picker-problems")).to_have_count(0)
    rendition = MediaAsset.objects.get(source=original)
    expect(card).to_have_attribute("data-asset-id", str(rendition.pk))
    card.locator(".media-picker-alt").fill("The band, backstage")
    screenshot(page, "post-media-02-rendition-accepted.png")

    page.get_by_label("Publish now").check()
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")

    post = ScheduledPost.objects.get()
    assert post.status == PostStatus.SCHEDULED
    assert post.metadata["media"] == [
        {"asset": rendition.pk, "type": "image", "alt_text": "The band, backstage"}
    ]
    assert list(MediaUsage.objects.values_list("asset_id", flat=True)) == [rendition.pk]

    summary = publish_due_posts(concurrency=2)

    assert summary.succeeded == 1, post.post_accounts.get().error_message
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    [fetched] = instagram_platform.world.fetched  # Instagram fetched the media once, from the site
    assert urlsplit(fetched.url).netloc == urlsplit(instagram_platform_site(page)).netloc
    token = urlsplit(fetched.url).path.split("/")[3]
    assert public_token_read(token) == rendition.uuid  # the rendition, not the original
    assert (fetched.status, fetched.size, fetched.sha256) == (200, rendition.size, rendition.checksum)
    assert fetched.content_type == "image/jpeg"
    [made] = instagram_platform.posts_made(platform="Instagram")
    assert made.text == "Backstage at the launch"


def instagram_platform_site(page: Page) -> str:
    """The live site the browser is on (where the signed URL must point)."""
    return page.url


def test_choose_from_the_library__search_pick_and_save_a_draft(page: Page, editor, tmp_path):
    chart = add_file(editor, make_jpeg(tmp_path / "sales-chart.jpg", 1200, 900), alt_text="Sales by month")
    add_file(editor, make_jpeg(tmp_path / "team-photo.jpg", 800, 600))

    log_in(page, "editor")
    page.goto(ADD)
    page.fill("#id_content", "Our numbers")
    page.locator("#id_library_media-picker").get_by_role("button", name="Choose from the library").click()
    dialog = page.locator("dialog.media-picker-dialog")
    expect(dialog.locator(".media-picker-choice")).to_have_count(2)
    dialog.locator(".media-picker-search").fill("sales")
    expect(dialog.locator(".media-picker-choice")).to_have_count(1)
    dialog.locator(".media-picker-choice").click()
    expect(dialog.locator(".media-picker-choice")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "post-media-03-library-dialog.png")
    dialog.get_by_role("button", name="Done").click()

    card = page.locator("#id_library_media-picker .media-picker-item")
    expect(card.locator(".media-picker-name")).to_have_text("sales-chart.jpg")
    expect(card.locator(".media-picker-alt")).to_have_attribute(
        "placeholder", "Alt text (the asset's: Sales by month)"
    )
    page.fill("#id_scheduled_local", "2030-07-01T09:30")
    page.get_by_label("Draft (never published)").check()
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was added successfully")

    post = ScheduledPost.objects.get()
    assert post.metadata == {"media": [{"asset": chart.pk, "type": "image"}]}
    assert list(post.media_usages.values_list("asset_id", "alt_text")) == [(chart.pk, "")]
