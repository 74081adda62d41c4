"""The Threads client's carousels: items made first, then the carousel container."""

from __future__ import annotations

from ..helpers import IMAGE_URL
from ..helpers import image
from ..helpers import payload
from ..helpers import still_processing
from ..helpers import video
from .wire import CAROUSEL
from .wire import CAROUSEL_POST
from .wire import CONTAINERS
from .wire import ITEMS
from .wire import POST
from .wire import container_created
from .wire import container_status
from .wire import items_created
from .wire import meta_error
from .wire import permalink
from .wire import published
from .wire import quota
from .wire import stages

# --- Carousels ------------------------------------------------------------------------------------------


def test_publish__carousel(client, mocked, progress):
    quota(mocked)
    items_created(mocked)
    for item in ITEMS:
        container_status(mocked, "FINISHED", item)
    container_created(mocked, CAROUSEL, media_type="CAROUSEL", children=",".join(ITEMS), text="Our week")
    container_status(mocked, "FINISHED", CAROUSEL)
    published(mocked, progress, CAROUSEL)
    permalink(mocked)

    assert client.publish(CAROUSEL_POST).platform_post_id == POST
    children = ("children", ITEMS)
    assert stages(progress) == [
        (("stage", "items"), ("children", ITEMS[:1])),
        (("stage", "items"), ("children", ITEMS[:2])),
        (("stage", "items"), children),
        (("stage", "processing"), children, ("container_id", CAROUSEL)),
        (("stage", "publishing"), children, ("container_id", CAROUSEL)),
    ]


def test_publish__a_carousel_item_still_processing_waits_before_the_carousel_is_made(
    client, mocked, progress
):
    quota(mocked)
    items_created(mocked)
    container_status(mocked, "FINISHED", ITEMS[0])
    container_status(mocked, "IN_PROGRESS", ITEMS[1])

    waiting = still_processing(lambda: client.publish(CAROUSEL_POST))

    assert "media 2 of 3" in waiting.message and waiting.check_after == 30
    assert progress.last == {"stage": "items", "children": ITEMS}


def test_publish__a_second_item_that_cannot_be_made_now_keeps_the_first(client, mocked, progress):
    quota(mocked)
    container_created(mocked, ITEMS[0], media_type="IMAGE", image_url=IMAGE_URL, is_carousel_item="true")
    mocked.post(CONTAINERS, **meta_error(2, status=500, is_transient=True))

    waiting = still_processing(lambda: client.publish(payload("Two", image(), video())))

    assert "kept and checked again later" in waiting.message
    assert progress.last == {"stage": "items", "children": ITEMS[:1]}
