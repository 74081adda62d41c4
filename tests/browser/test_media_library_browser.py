"""The media library page in Chromium: files picked and dropped upload with their progress and show a
thumbnail; a tall image shows Instagram's aspect-ratio refusal right away."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from media_library.models import MediaAsset

from ..media_library.conftest import media_root  # noqa: F401  (each test's own MEDIA_ROOT)
from ..media_library.files import make_jpeg
from ..media_library.files import make_mp4
from ..media_library.files import make_png
from .conftest import log_in
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIBRARY = "/admin/media_library/mediaasset/"


def test_library_page__picked_and_dropped_files_upload_with_progress_and_thumbnails(
    page, staff_user, tmp_path
):
    tall = make_jpeg(tmp_path / "story.jpg", 1080, 1920)
    video = make_mp4(tmp_path / "clip.mp4", seconds=2)
    dropped = make_png(tmp_path / "dropped.png", 300, 200)
    log_in(page, "staff")
    page.goto(LIBRARY)
    # Record every progress value each bar shows, to see the XHR upload progress events arrive.
    page.evaluate(
        """() => { window.progressSeen = [];
          new MutationObserver(() => document.querySelectorAll('.media-upload-progress')
            .forEach((bar) => window.progressSeen.push(bar.value)))
          .observe(document.getElementById('media-upload-list'), {subtree: true, attributes: true, childList: true}); }"""
    )

    page.set_input_files("#media-file-input", [str(tall), str(video)])
    transfer = page.evaluate_handle(
        """([name, data]) => { const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, {type: 'image/png'}));
          return transfer; }""",
        ["dropped.png", base64.b64encode(dropped.read_bytes()).decode()],
    )
    page.dispatch_event("#media-dropzone", "drop", {"dataTransfer": transfer})

    page.wait_for_function("document.querySelectorAll('.media-upload-item.uploaded').length === 3")
    items = page.locator(".media-upload-item")
    assert items.count() == 3
    for index in range(3):
        item = items.nth(index)
        assert item.locator("progress").evaluate("bar => bar.value") == 100
        assert item.locator(".media-upload-status a").inner_text() == "added"
        thumbnail = item.locator("img.media-thumb")
        thumbnail.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    story = page.locator(".media-upload-item[data-name='story.jpg']")
    assert story.locator(".media-upload-problems").inner_text() == (
        "Instagram: aspect ratio 0.56 (9:16) is outside 4:5 to 1.91:1"
    )
    assert max(page.evaluate("window.progressSeen")) == 100
    assert set(MediaAsset.objects.values_list("original_name", flat=True)) == {
        "story.jpg",
        "clip.mp4",
        "dropped.png",
    }
    screenshot(page, "media-library-upload.png")

    with page.expect_navigation():
        page.click("#media-upload-done a")
    expect(page.locator("#result_list img.media-thumb")).to_have_count(3)
