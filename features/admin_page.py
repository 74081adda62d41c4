"""Reading a post's admin page the way a person does: its status, its accounts table and its history table."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser


@dataclass
class Cell:
    text: str = ""
    links: list[str] = field(default_factory=list)


@dataclass
class PostPage:
    status: str
    accounts: list[list[Cell]]
    attempts: list[list[Cell]]

    def account_row(self, name: str) -> list[Cell]:
        """The accounts table's row of the account called ``name`` (its first cell is "Platform: name")."""
        rows = [row for row in self.accounts if row[0].text.endswith(f": {name}")]
        assert len(rows) == 1, f"one row for {name!r} among {[row[0].text for row in self.accounts]}"
        return rows[0]

    def attempts_of(self, name: str) -> list[list[Cell]]:
        return [row for row in self.attempts if row[0].text.endswith(f": {name}")]


class _Reader(HTMLParser):
    TABLES = ("post-accounts-table", "post-attempts-table")

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[Cell]]] = {name: [] for name in self.TABLES}
        self.status = ""
        self._table: str | None = None
        self._in_body = False
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._in_summary = False
        self._in_badge = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and "post-summary" in classes:
            self._in_summary = True
        elif tag == "span" and self._in_summary and "status-badge" in classes:
            self._in_badge = True
        elif tag == "table":
            self._table = next((name for name in self.TABLES if name in classes), None)
        elif tag == "tbody" and self._table:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = Cell()
        elif tag == "a" and self._cell is not None:
            self._cell.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._in_summary = False
        elif tag == "span":
            self._in_badge = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if len(self._row) > 1:  # "No platform call yet." is one cell spanning the table
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
        elif self._in_badge:
            self.status += data.strip()


def read_post_page(html: str) -> PostPage:
    reader = _Reader()
    reader.feed(html)
    return PostPage(
        status=reader.status,
        accounts=reader.tables["post-accounts-table"],
        attempts=reader.tables["post-attempts-table"],
    )
