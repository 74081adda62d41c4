"""Types every resource shares: times as ISO 8601 with their offset, pages, the problem document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Annotated
from typing import Any

from ninja import Schema
from pydantic import AfterValidator
from pydantic import AwareDatetime
from pydantic import Field
from pydantic import PlainSerializer
from pydantic import WithJsonSchema

from .pagination import DEFAULT_LIMIT
from .pagination import MAX_LIMIT

# A row id: what the database's 64-bit keys can hold (a larger number is refused as invalid, not a 500).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# Always with its offset: "2026-03-08T14:05:00+00:00" (stored times are UTC; local ones carry theirs).
Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# A time the client sends, with its offset, taken as the UTC instant it names: PostgreSQL refuses offsets
# beyond +-15:59 that Python accepts ("-22:09"), and nothing after parsing needs the client's offset.
Instant = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]


# PostgreSQL stores U+0000 in no text or jsonb column (nor in a jsonb key).
NUL_REFUSED = "contains a NUL character (U+0000), which the database cannot store"


def holds_nul(value: Any) -> bool:
    """Whether a text, or any key or text inside lists and mappings, contains U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


def _without_nul(value: str) -> str:
    if holds_nul(value):
        raise ValueError(NUL_REFUSED)
    return value


# A text the client sends: any Unicode but U+0000.
Text = Annotated[str, AfterValidator(_without_nul)]


class PageOut[Item](Schema):
    items: list[Item]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page. Opaque."
    )


class PageQuery(Schema):
    cursor: str | None = Field(None, description="From the previous page's `next_cursor`.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ProblemError(Schema):
    field: str | None = Field(description="The request field concerned, e.g. `text`, `platforms.TWITTER`.")
    message: str
    platform: str | None = Field(None, description="The platform that refused it, e.g. `TWITTER`.")
    in_: str | None = Field(None, alias="in", description="body, query, path or header.")


class ProblemOut(Schema):
    """RFC 9457 problem details (application/problem+json)."""

    type: str = Field(description="`about:blank`, or a problem type listed in the API's description.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemError] | None = None


def problems(*statuses: int) -> dict[int, Any]:
    """The error answers an operation documents, besides 401 and 429 which every operation may give."""
    return {status: ProblemOut for status in (401, 429, *statuses)}


def from_row[S: Schema](schema: type[S], row: Any, **given: Any) -> S:
    """An answer whose fields are ``row``'s attributes of the same names, but for the fields ``given``."""
    return schema(
        **{name: given[name] if name in given else getattr(row, name) for name in schema.model_fields}
    )
