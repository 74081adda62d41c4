"""The backtracking parts of twitter-text's URL expression, computed in linear time with the same result.

twitter-text finds URLs with one backtracking regular expression. Two parts of it retry every split of
a long run at every start: the domain (``subdomain* domainName tld``, and ``(label.)+tld`` for ASCII
domains) and the path (``segment*``, a segment being ``chars* (parens chars*)* endingChar``). On 25,000
characters of ``a.a.a.`` or ``(a)(a)(a)`` that takes seconds in JavaScript and minutes in Python.

In both, the pieces are forced: a label ends at the first dot, a run of path characters at the first
character that is not one, and balanced parentheses match in at most one way. So each is a chain of
pieces, and the expression's first success is the ending of the deepest piece along the chain that has
one (a TLD after a domain name, an ending character in a path run). ``deepest`` computes that once per
piece for a whole text, so a scan stays linear. Positions are UTF-16 code units of the case-folded text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator

from .patterns import ASCII_LABEL_RUN
from .patterns import DOMAIN_NAME_RUN
from .patterns import PATH_CHARS
from .patterns import PATH_ENDING_CHARS
from .patterns import SUBDOMAIN_RUN
from .patterns import TLD

type Step = Callable[[int], int | None]


def deepest(position: int, next_piece: Step, ending: Step, memo: dict[int, int | None]) -> int | None:
    """What a greedy ``piece*`` followed by an ending matches from ``position``: the ending of the
    deepest piece along the chain from ``position`` that has one (``memo`` keeps each piece's answer)."""
    chain = []
    node: int | None = position
    while node is not None and node not in memo:
        chain.append(node)
        node = next_piece(node)
    result = memo[node] if node is not None else None
    for piece in reversed(chain):
        if result is None:
            result = ending(piece)
        memo[piece] = result
    return result


def label_ends(folded: str, run: re.Pattern[str], inner: str) -> dict[int, int]:
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


class Domains:
    """validDomain.js at any position of one text: subdomain labels (with "_" and "-" inside), then the
    deepest label that is a domain name (only "-" inside) with a TLD right after its dot."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.after_subdomain = label_ends(folded, SUBDOMAIN_RUN, inner="_-")
        self.after_domain_name = label_ends(folded, DOMAIN_NAME_RUN, inner="-")
        self.memo: dict[int, int | None] = {}
        self.tld_ends: dict[int, int | None] = {}

    def end_of_domain(self, position: int) -> int | None:
        return deepest(position, self.after_subdomain.get, self._domain_name_with_tld, self.memo)

    def _domain_name_with_tld(self, position: int) -> int | None:
        tld_start = self.after_domain_name.get(position)
        if tld_start is None:
            return None
        if tld_start not in self.tld_ends:
            tld = TLD.match(self.folded, tld_start)
            self.tld_ends[tld_start] = tld.end() if tld else None
        return self.tld_ends[tld_start]


def ascii_domains(domain: str, folded: str) -> Iterator[tuple[int, int]]:
    """validAsciiDomain.js (``(label.)+tld``) over a domain, as String.replace finds it, with its index
    taken like twitter-text: indexOf of the matched text from the end of the previous one."""
    after_label = label_ends(folded, ASCII_LABEL_RUN, inner="")
    memo: dict[int, int | None] = {}

    def tld_end(position: int) -> int | None:
        tld = TLD.match(folded, position)
        return tld.end() if tld else None

    position = reported_end = 0
    while position < len(folded):
        first_tld = after_label.get(position)
        end = None if first_tld is None else deepest(first_tld, after_label.get, tld_end, memo)
        if end is None:
            position += 1
            continue
        start = domain.find(domain[position:end], reported_end)
        reported_end = start + (end - position)
        yield start, reported_end
        position = end


class Paths:
    """validUrlPath.js segments (see ``patterns``) at any position of one text."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.run_end: dict[int, int] = {}
        self.last_ending: dict[int, int | None] = {}
        self.memo: dict[int, int | None] = {}

    def end_of_path(self, position: int) -> int:
        """Where ``segment*`` ends when it starts at ``position`` (just after the path's "/")."""
        while True:
            end = deepest(position, self._after_parens, self._after_last_ending, self.memo)
            if end is None:
                end = self._balanced_parens(position)
            if end is None:
                end = self._at_in_the_middle(position)
            if end is None:
                return position
            position = end

    def _run(self, position: int) -> tuple[int, int | None]:
        """The end of the run of path characters from ``position``, and the index of its last ending
        character (None without one); each character is looked at once per text."""
        if position in self.run_end:
            return self.run_end[position], self.last_ending[position]
        walked, index = [], position
        while index < len(self.folded) and index not in self.run_end and self.folded[index] in PATH_CHARS:
            walked.append(index)
            index += 1
        end, last = (self.run_end[index], self.last_ending[index]) if index in self.run_end else (index, None)
        for step in reversed(walked):
            if last is None and self.folded[step] in PATH_ENDING_CHARS:
                last = step
            self.run_end[step], self.last_ending[step] = end, last
        return (end, last) if walked else (position, None)

    def _after_last_ending(self, position: int) -> int | None:
        last = self._run(position)[1]
        return None if last is None else last + 1

    def _after_parens(self, position: int) -> int | None:
        return self._balanced_parens(self._run(position)[0])

    def _balanced_parens(self, position: int) -> int | None:
        """validUrlBalancedParens.js: "(" path characters ")", or one nested level "(a(b)c)"."""
        if not self.folded.startswith("(", position):
            return None
        inner_end = self._run(position + 1)[0]
        if inner_end > position + 1 and self.folded.startswith(")", inner_end):
            return inner_end + 1
        if not self.folded.startswith("(", inner_end):
            return None
        nested_end = self._run(inner_end + 1)[0]
        if nested_end == inner_end + 1 or not self.folded.startswith(")", nested_end):
            return None
        outer_end = self._run(nested_end + 1)[0]
        return outer_end + 1 if self.folded.startswith(")", outer_end) else None

    def _at_in_the_middle(self, position: int) -> int | None:
        """ "@", path characters, then "/" (the regex backs off to the last "/" of the run)."""
        if not self.folded.startswith("@", position):
            return None
        slash = self.folded.rfind("/", position + 2, self._run(position + 1)[0])
        return None if slash < 0 else slash + 1
