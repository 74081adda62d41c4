"""Where twitter-text 3.1.0 sees URLs (extractUrlsWithIndices), with the same results in linear time.

twitter-text finds URLs with one backtracking regular expression. Its domain part
(``subdomain* domainName tld``) retries every split of a run of labels at every start, which takes
seconds in JavaScript and minutes in Python on 25,000 characters of ``a.a.a.``. Each label ends at the
first dot, so the splits are forced: the expression picks the deepest label, along the chain of labels
from its start, that is a domain name followed by a TLD. That choice is computed once per label here
(the same for validAsciiDomain.js), and the rest of the expression runs as the regular expressions in
``patterns``. Indices are UTF-16 code units of the NFC text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .patterns import (
    AFTER_DOMAIN,
    ASCII_LABEL_RUN,
    DOMAIN_NAME_RUN,
    NOT_PRECEDING_A_URL,
    PROTOCOL,
    SUBDOMAIN_RUN,
    TCO_URL,
    TLD,
)
from .utf16 import case_folded, from_units

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
    domains = _Domains(folded)
    urls: list[UrlEntity] = []
    position = 0
    while position < len(folded):
        found = _url_at(folded, position, domains)
        if found is None:
            position += 1
            continue
        url_start, domain_start, domain_end = found
        after = AFTER_DOMAIN.match(folded, domain_end)
        url_end = position = after.end()
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
        for ascii_start, ascii_end in _ascii_domains(domain, folded[domain_start:domain_end]):
            last = UrlEntity(domain_start + ascii_start, domain_start + ascii_end, ascii_end - ascii_start)
            urls.append(last)
        if last is not None and after.group("path") is not None:
            last.length += (url_end - url_start) - len(domain)
            last.end = url_end
    return urls


def _url_at(folded: str, start: int, domains: _Domains) -> tuple[int, int, int] | None:
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


class _Domains:
    """validDomain.js at any position of one text: subdomain labels (with "_" and "-" inside), then the
    deepest label that is a domain name (only "-" inside) with a TLD right after its dot."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.after_subdomain = _label_ends(folded, SUBDOMAIN_RUN, inner="_-")
        self.after_domain_name = _label_ends(folded, DOMAIN_NAME_RUN, inner="-")
        self.memo: dict[int, int | None] = {}
        self.tld_ends: dict[int, int | None] = {}

    def end_of_domain(self, position: int) -> int | None:
        return _deepest(position, self.after_subdomain, self._domain_name_with_tld, self.memo)

    def _domain_name_with_tld(self, position: int) -> int | None:
        tld_start = self.after_domain_name.get(position)
        if tld_start is None:
            return None
        if tld_start not in self.tld_ends:
            tld = TLD.match(self.folded, tld_start)
            self.tld_ends[tld_start] = tld.end() if tld else None
        return self.tld_ends[tld_start]


def _ascii_domains(domain: str, folded: str) -> Iterator[tuple[int, int]]:
    """validAsciiDomain.js (``(label.)+tld``) over a domain, as String.replace finds it, with its index
    taken like twitter-text: indexOf of the matched text from the end of the previous one."""
    after_label = _label_ends(folded, ASCII_LABEL_RUN, inner="")
    memo: dict[int, int | None] = {}

    def tld_end(position: int) -> int | None:
        tld = TLD.match(folded, position)
        return tld.end() if tld else None

    position = reported_end = 0
    while position < len(folded):
        first_tld = after_label.get(position)
        end = None if first_tld is None else _deepest(first_tld, after_label, tld_end, memo)
        if end is None:
            position += 1
            continue
        start = domain.find(domain[position:end], reported_end)
        reported_end = start + (end - position)
        yield start, reported_end
        position = end


def _label_ends(folded: str, run: re.Pattern[str], inner: str) -> dict[int, int]:
    """For each position a label of this kind can start at: the position after the dot that ends it. A
    label is a run of its characters followed by a dot, starting and ending with none of ``inner``."""
    ends = {}
    for match in run.finditer(folded):
        start, dot = match.span()
        if dot < len(folded) and folded[dot] == "." and folded[dot - 1] not in inner:
            ends.update(
                (position, dot + 1) for position in range(start, dot) if folded[position] not in inner
            )
    return ends


def _deepest(
    position: int,
    next_label: dict[int, int],
    ending: Callable[[int], int | None],
    memo: dict[int, int | None],
) -> int | None:
    """What a greedy ``label*`` followed by an ending matches from ``position``: the ending of the deepest
    label along the chain that has one. Each label is resolved once per text, so a scan is linear."""
    chain = []
    node: int | None = position
    while node is not None and node not in memo:
        chain.append(node)
        node = next_label.get(node)
    result = memo[node] if node is not None else None
    for label in reversed(chain):
        if result is None:
            result = ending(label)
        memo[label] = result
    return result


def _is_valid_url(url_length: int, protocol_length: int, domain: str) -> bool:
    """isValidUrl with lib/idna.js: every label encodes to 1..63 characters, and the URL stays within 4096
    (twitter-text measures the domain as written, not as encoded)."""
    if domain.startswith("xn--") and next(_ascii_domains(domain, case_folded(domain)), None) is None:
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
