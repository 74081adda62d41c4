"""Cursor pagination: an opaque cursor names the last item seen by its (time, id), so pages stay stable
while rows are added (a new row lands before or after the cursor, never shifting a page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from .problems import Problem

SALT = "api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page[Row]:
    items: list[Row]
    next_cursor: str | None


def keyset_page(
    queryset: QuerySet,
    *,
    time_field: str,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    id_field: str = "pk",
) -> Page:
    """One page of ``queryset`` in (``time_field``, id) order after ``cursor``; the next page's cursor
    when there is more. ``limit`` 1..MAX_LIMIT. Ids may be any orderable value (UUIDs too)."""
    if cursor:
        after_time, after_id = _cursor_read(cursor, descending=descending)
        if descending:
            queryset = queryset.filter(
                Q(**{f"{time_field}__lt": after_time})
                | Q(**{time_field: after_time, f"{id_field}__lt": after_id})
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{time_field}__gt": after_time})
                | Q(**{time_field: after_time, f"{id_field}__gt": after_id})
            )
    sign = "-" if descending else ""
    rows = list(queryset.order_by(f"{sign}{time_field}", f"{sign}{id_field}")[: limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(
        rows[:limit], _cursor_make(_attribute(last, time_field), _attribute(last, id_field), descending)
    )


def _attribute(row, name: str):
    return row.pk if name == "pk" else getattr(row, name)


def _cursor_make(time: datetime, row_id, descending: bool) -> str:
    return signing.dumps(
        [time.isoformat(), str(row_id), "d" if descending else "a"], salt=SALT, compress=True
    )


def _cursor_read(cursor: str, *, descending: bool) -> tuple[datetime, str]:
    try:
        time_text, row_id, direction = signing.loads(cursor, salt=SALT)
        time = parse_datetime(time_text)
    except (signing.BadSignature, ValueError, TypeError):
        time = direction = row_id = None
    if time is None or direction != ("d" if descending else "a"):
        raise Problem(
            422,
            "The cursor is not one this API gave for this list and order; start again without it.",
            slug="validation",
            errors=[{"field": "cursor", "message": "is not a valid cursor for this list", "in": "query"}],
        )
    return time, row_id
