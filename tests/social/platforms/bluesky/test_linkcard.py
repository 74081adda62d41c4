"""Link cards at the wire: a post without images gets a card from its first link's og: tags, read only from
public addresses and within tight limits; any failure leaves the card (or its image) out."""

from __future__ import annotations

import pytest
import requests

from social.platforms.bluesky import linkcard

from ..helpers import IMAGE_URL
from ..helpers import body_is
from ..helpers import image
from ..helpers import payload
from ..helpers import with_headers
from ..helpers import without_authorization
from .wire import CREATE
from .wire import UPLOAD
from .wire import blob
from .wire import png

PAGE_URL = "https://news.example.com/spring"
THUMB_URL = "https://news.example.com/img/card.jpg"

PAGE = f"""<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="Spring &amp; sale">
<meta property="og:description" content="Everything   20% off, this week only.">
<meta property="og:image" content="/img/card.jpg">
</head><body>{"x" * 100}</body></html>"""


def serve_page(mocked, html: str = PAGE, url: str = PAGE_URL, **kwargs) -> None:
    mocked.get(
        url,
        body=html.encode(),
        content_type="text/html; charset=utf-8",
        match=[without_authorization()],
        **kwargs,
    )


def test_link_card__title_description_and_thumbnail_from_the_pages_og_tags(client, mocked, created, dns):
    dns["news.example.com"] = ["93.184.215.14"]
    serve_page(mocked)
    thumb = png(600, 315)
    mocked.get(THUMB_URL, body=thumb, content_type="image/png", match=[without_authorization()])
    mocked.post(
        UPLOAD,
        match=[with_headers({"Content-Type": "image/png"}), body_is(thumb)],
        json={"blob": blob("bafkreithumb")},
    )

    client.publish(payload(f"Our sale: {PAGE_URL}"))

    assert created.record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": PAGE_URL,
            "title": "Spring & sale",
            "description": "Everything 20% off, this week only.",
            "thumb": blob("bafkreithumb"),
        },
    }


def test_link_card__only_for_a_post_without_images(client, mocked, created, dns):
    dns["news.example.com"] = ["93.184.215.14"]
    mocked.get(IMAGE_URL, body=png(), content_type="image/png")
    mocked.post(UPLOAD, json={"blob": blob("bafkreiimg")})

    client.publish(payload(f"Photo and {PAGE_URL}", image()))

    assert created.record["embed"]["$type"] == "app.bsky.embed.images"
    assert created.record["facets"][0]["features"][0]["uri"] == PAGE_URL


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00::1", "::ffff:192.168.1.1"]
)
def test_link_card__a_link_to_a_private_address_is_never_read(client, mocked, created, dns, address):
    dns["news.example.com"] = ["93.184.215.14", address]

    client.publish(payload(f"Internal: {PAGE_URL}"))

    assert "embed" not in created.record
    assert [call.request.url for call in mocked.calls] == [CREATE]  # the page was never asked for


def test_link_card__a_redirect_to_a_private_address_is_not_followed(client, mocked, created, dns):
    dns["news.example.com"] = ["93.184.215.14"]
    dns["intranet.example.com"] = ["192.168.0.10"]
    mocked.get(PAGE_URL, status=302, headers={"Location": "http://intranet.example.com/"})

    client.publish(payload(f"Moved: {PAGE_URL}"))

    assert "embed" not in created.record
    assert [call.request.url for call in mocked.calls] == [PAGE_URL, CREATE]


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404, "body": "gone"},
        {"status": 200, "body": b"%PDF-1.7", "content_type": "application/pdf"},
        {
            "status": 200,
            "body": "<html><head></head><body>no title</body></html>",
            "content_type": "text/html",
        },
        {"body": requests.ConnectionError("reset")},
    ],
    ids=["404", "not-html", "no-title", "connection-error"],
)
def test_link_card__a_page_that_gives_no_card_leaves_it_out(client, mocked, created, dns, answer):
    dns["news.example.com"] = ["93.184.215.14"]
    mocked.get(PAGE_URL, **answer)

    client.publish(payload(f"Read {PAGE_URL}"))

    assert "embed" not in created.record


def test_link_card__an_image_too_large_for_a_thumbnail_leaves_only_the_image_out(
    client, mocked, created, dns
):
    dns["news.example.com"] = ["93.184.215.14"]
    serve_page(mocked)
    mocked.get(
        THUMB_URL, body=bytes(1_000_001), content_type="image/jpeg", auto_calculate_content_length=True
    )

    client.publish(payload(f"Read {PAGE_URL}"))

    assert created.record["embed"]["external"]["title"] == "Spring & sale"
    assert "thumb" not in created.record["embed"]["external"]


def test_link_card__reading_stops_at_the_end_of_the_head(client, mocked, created, dns):
    dns["news.example.com"] = ["93.184.215.14"]
    head = '<html><head><meta name="description" content="Only a description"></head><body>'
    serve_page(mocked, head + "<p>" + "y" * 3_000_000)  # far over the page limit, never read

    client.publish(payload(f"Read {PAGE_URL}"))

    assert created.record["embed"]["external"] == {
        "uri": PAGE_URL,
        "title": "",
        "description": "Only a description",
    }


def test_link_card__a_page_slower_than_the_deadline_gives_none(client, mocked, created, dns, monkeypatch):

    dns["news.example.com"] = ["93.184.215.14"]
    clock = iter([0.0, 0.5, linkcard.DEADLINE_SECONDS + 1])  # made, first request, then the first chunk
    monkeypatch.setattr(linkcard, "monotonic", lambda: next(clock, 100.0))
    serve_page(mocked)

    client.publish(payload(f"Read {PAGE_URL}"))

    assert "embed" not in created.record
