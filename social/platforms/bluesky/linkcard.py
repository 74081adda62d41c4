"""The link card of a post: the title, description and image a page announces in its ``og:`` tags.

Reading a page is a favour to the reader, never a reason for a post to fail: any problem (an error, a
slow or huge page, a page that is not HTML, an address that is not public) means no card, or a card
without its image. The limits are tight because the publisher waits for it:
- only public addresses: the host must resolve to global IP addresses only, checked again at each of at
  most ``MAX_REDIRECTS`` redirects, so a post's link cannot make the server read (and publish the title
  of) a page on its own network. requests resolves the host once more when it connects: a name whose
  answer changes between the two lookups (DNS rebinding) is not caught; pinning the checked address would
  need a transport of our own, outside what the tests mock at the wire;
- ``PAGE_MAX_BYTES`` of the page at most, and reading stops at the end of its ``<head>``;
- the page and its image share one deadline of ``DEADLINE_SECONDS``; the image must be ``image/*`` and at
  most ``THUMB_MAX_BYTES``, the most Bluesky takes for a card's thumbnail.
"""

from __future__ import annotations

import codecs
import ipaddress
import logging
import socket
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from time import monotonic
from urllib.parse import urljoin
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)

PAGE_MAX_BYTES = 512 * 1024
THUMB_MAX_BYTES = 1_000_000  # app.bsky.embed.external#external.thumb maxSize
DEADLINE_SECONDS = 8.0
CALL_TIMEOUT = (3.0, 4.0)  # (connect, read) seconds of each request, within the deadline
MAX_REDIRECTS = 3
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 1_000
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class CardUnavailable(Exception):
    """Why a page (or its image) gives no card; said in a log line, never to the post's author."""


@dataclass(frozen=True)
class PageCard:
    uri: str
    title: str
    description: str
    image_url: str = ""


@dataclass(frozen=True)
class Thumbnail:
    content: bytes
    content_type: str


def resolve_addresses(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (the tests replace this)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_public_url(url: str) -> None:
    """Refuse a URL that is not http(s) on a host whose every address is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise CardUnavailable("not a plain http(s) URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve_addresses(parts.hostname, port)
    except (OSError, ValueError, UnicodeError) as exc:
        raise CardUnavailable(f"{parts.hostname} does not resolve ({type(exc).__name__})") from None
    if not addresses or not all(_is_public(address) for address in addresses):
        raise CardUnavailable(f"{parts.hostname} is not a public address")


class _HeadParser(HTMLParser):
    """Collects the ``<meta>`` tags and the ``<title>`` of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.done = False
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.done = True
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {name.lower(): value or "" for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and key not in self.meta and values.get("content"):
                self.meta[key] = values["content"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < MAX_TITLE_CHARS:
            self.title += data


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class LinkCardReader:
    """Reads one link's card through ``session`` (a session that never carries a platform's token)."""

    def __init__(self, session: requests.Session, *, clock: Callable[[], float] | None = None) -> None:
        self.session = session
        self.clock = clock or monotonic
        self.deadline = self.clock() + DEADLINE_SECONDS

    def card(self, url: str) -> PageCard | None:
        try:
            return self._read_card(url)
        except (CardUnavailable, requests.RequestException) as exc:
            logger.info("No link card for %s: %s", urlsplit(url).netloc, _reason(exc))
            return None

    def thumbnail(self, card: PageCard) -> Thumbnail | None:
        if not card.image_url:
            return None
        try:
            return self._read_thumbnail(card.image_url)
        except (CardUnavailable, requests.RequestException) as exc:
            logger.info("No image for the link card of %s: %s", urlsplit(card.uri).netloc, _reason(exc))
            return None

    # --- steps -------------------------------------------------------------------------------------

    def _read_card(self, url: str) -> PageCard:
        response = self._get(url)
        with response:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in HTML_TYPES:
                raise CardUnavailable(f"the page is {content_type or 'of no stated type'}, not HTML")
            parser = _HeadParser()
            decoder = _decoder(response)
            for chunk in self._body(response, PAGE_MAX_BYTES, refuse_larger=False):
                parser.feed(decoder.decode(chunk))
                if parser.done:
                    break
            final_url = response.url or url
        meta = parser.meta
        title = meta.get("og:title") or meta.get("twitter:title") or parser.title
        description = meta.get("og:description") or meta.get("twitter:description") or meta.get("description")
        if not (title or description):
            raise CardUnavailable("the page names no title or description")
        image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image") or ""
        return PageCard(
            uri=url,
            title=_clip(title or "", MAX_TITLE_CHARS),
            description=_clip(description or "", MAX_DESCRIPTION_CHARS),
            image_url=urljoin(final_url, image) if image else "",
        )

    def _read_thumbnail(self, url: str) -> Thumbnail:
        response = self._get(url)
        with response:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/"):
                raise CardUnavailable(f"the image is {content_type or 'of no stated type'}")
            content = b"".join(self._body(response, THUMB_MAX_BYTES, refuse_larger=True))
        return Thumbnail(content=content, content_type=content_type)

    def _get(self, url: str) -> requests.Response:
        """GET ``url`` following at most MAX_REDIRECTS redirects, each hop's host checked to be public."""
        for _ in range(MAX_REDIRECTS + 1):
            check_public_url(url)
            response = self.session.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=self._timeout(),
                headers={"Accept": "text/html,application/xhtml+xml,image/*;q=0.8"},
            )
            if response.status_code not in _REDIRECTS:
                if response.status_code != 200:
                    response.close()
                    raise CardUnavailable(f"HTTP {response.status_code}")
                return response
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise CardUnavailable("a redirect without a Location")
            url = urljoin(url, location)
        raise CardUnavailable("too many redirects")

    def _body(self, response: requests.Response, limit: int, *, refuse_larger: bool) -> Iterator[bytes]:
        """The body in chunks until ``limit`` bytes (then stop, or refuse) or the deadline."""
        declared = response.headers.get("Content-Length", "")
        if refuse_larger and declared.isdigit() and int(declared) > limit:
            raise CardUnavailable(f"{declared} bytes, more than {limit}")
        received = 0
        for chunk in response.iter_content(chunk_size=16 * 1024):
            if self.clock() > self.deadline:
                raise CardUnavailable(f"not read within {DEADLINE_SECONDS:.0f} s")
            received += len(chunk)
            if received > limit:
                if refuse_larger:
                    raise CardUnavailable(f"more than {limit} bytes")
                yield chunk[: len(chunk) - (received - limit)]
                return
            yield chunk

    def _timeout(self) -> tuple[float, float]:
        left = self.deadline - self.clock()
        if left <= 0:
            raise CardUnavailable(f"not read within {DEADLINE_SECONDS:.0f} s")
        return (min(CALL_TIMEOUT[0], left), min(CALL_TIMEOUT[1], left))


def _decoder(response: requests.Response) -> codecs.IncrementalDecoder:
    """A decoder of the page's declared charset (UTF-8 when none or unknown) that keeps a character split
    across two chunks whole."""
    declared = response.encoding if "charset" in response.headers.get("Content-Type", "").lower() else None
    try:
        return codecs.getincrementaldecoder(declared or "utf-8")(errors="replace")
    except LookupError:
        return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _reason(exc: Exception) -> str:
    # A requests error's text can hold the URL; its kind is enough for the log.
    return str(exc) if isinstance(exc, CardUnavailable) else type(exc).__name__
