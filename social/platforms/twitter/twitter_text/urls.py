"""Where twitter-text 3.1.0 sees URLs: extractUrlsWithIndices (extractUrl.js), rule for rule.

The expression is run piece by piece: the patterns in ``patterns`` for what cannot backtrack far, and
``chains`` for the domain and the path, which give the same answer in linear time. Indices are UTF-16
code units of the NFC text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chains import Domains
from .chains import Paths
from .chains import ascii_domains
from .patterns import NOT_PRECEDING_A_URL
from .patterns import PORT
from .patterns import PROTOCOL
from .patterns import QUERY
from .patterns import TCO_URL
from .utf16 import case_folded
from .utf16 import from_units

DEFAULT_PROTOCOL = "https://"
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63
_PUNYCODE_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")  # punycode.js 1.4.1 regexSeparators
_NOT_PRINTABLE_ASCII = re.compile("[^\x20-\x7e]")  # punycode.js 1.4.1 regexNonASCII
_NO_URL_AFTER = ("-", "_", ".", "/")  # invalidUrlWithoutProtocolPrecedingChars.js


@dataclass
class UrlEntity:
    """A URL in code units: ``start``/``end`` as twitter-text's indices, ``length`` as its ``url.length``
    (they differ for a bare domain with a path after a non-ASCII subdomain; parseTweet skips ``length``)."""

    start: int
    end: int
    length: int


def extract_urls(units: str) -> list[UrlEntity]:
    """twitter-text's extractUrlsWithIndices (URLs without a scheme included) over code units."""
    if "." not in units:
        return []
    folded = case_folded(units)
    domains, paths = Domains(folded), Paths(folded)
    urls: list[UrlEntity] = []
    position = 0
    while position < len(folded):
        found = _url_at(folded, position, domains)
        if found is None:
            position += 1
            continue
        url_start, domain_start, domain_end = found
        has_path, url_end = _after_domain(folded, domain_end, paths)
        position = url_end
        domain = units[domain_start:domain_end]
        has_protocol = domain_start > url_start
        protocol_length = domain_start - url_start if has_protocol else len(DEFAULT_PROTOCOL)
        if not _is_valid_url(url_end - url_start, protocol_length, domain):
            continue
        if has_protocol:
            tco = TCO_URL.match(folded, url_start, url_end)
            if tco:
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url_end = tco.end()
            urls.append(UrlEntity(url_start, url_end, url_end - url_start))
            continue
        if url_start > 0 and units[url_start - 1] in _NO_URL_AFTER:
            continue
        last = None
        for ascii_start, ascii_end in ascii_domains(domain, folded[domain_start:domain_end]):
            last = UrlEntity(domain_start + ascii_start, domain_start + ascii_end, ascii_end - ascii_start)
            urls.append(last)
        if last is not None and has_path:
            last.length += (url_end - url_start) - len(domain)
            last.end = url_end
    return urls


def _url_at(folded: str, start: int, domains: Domains) -> tuple[int, int, int] | None:
    """Where extractUrl.js matches at ``start``: (URL start, domain start, domain end), in the order its
    alternatives are tried: a preceding character then the start of the text; a scheme then none."""
    url_starts = [start + 1] if folded[start] not in NOT_PRECEDING_A_URL else []
    if start == 0:
        url_starts.append(0)
    for url_start in url_starts:
        protocol = PROTOCOL.match(folded, url_start)
        for domain_start in (protocol.end(), url_start) if protocol else (url_start,):
            domain_end = domains.end_of_domain(domain_start)
            if domain_end is not None:
                return url_start, domain_start, domain_end
    return None


def _after_domain(folded: str, position: int, paths: Paths) -> tuple[bool, int]:
    """extractUrl.js after the domain: an optional port, path and query string. Whether there is a path
    (a bare domain's link then runs to the URL's end), and where the URL ends."""
    port = PORT.match(folded, position)
    if port:
        position = port.end()
    has_path = folded.startswith("/", position)
    if has_path:
        position = paths.end_of_path(position + 1)
    query = QUERY.match(folded, position)
    return has_path, query.end() if query else position


def _is_valid_url(url_length: int, protocol_length: int, domain: str) -> bool:
    """isValidUrl with lib/idna.js: every label encodes to 1..63 characters, and the URL stays within 4096
    (twitter-text measures the domain as written, not as encoded)."""
    if domain.startswith("xn--") and next(ascii_domains(domain, case_folded(domain)), None) is None:
        return False
    for label in domain.split("."):
        if not 1 <= len(_punycode_to_ascii(label)) <= MAX_DOMAIN_LABEL_LENGTH:
            return False
    return protocol_length + url_length <= MAX_URL_LENGTH


def _punycode_to_ascii(label: str) -> str:
    """punycode.js 1.4.1 toASCII: U+3002, U+FF0E, U+FF61 also split labels; non-ASCII parts get xn--."""
    parts = _PUNYCODE_SEPARATORS.sub(".", label).split(".")
    return ".".join(
        "xn--" + from_units(part).encode("punycode").decode("ascii")
        if _NOT_PRINTABLE_ASCII.search(part)
        else part
        for part in parts
    )
