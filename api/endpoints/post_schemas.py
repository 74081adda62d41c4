"""The shapes of posts in the API, and how a post is shown (with its author's local time)."""

from datetime import datetime
from typing import Any
from typing import Literal

from ninja import Schema
from pydantic import Field
from pydantic import model_validator

from calendar_app.models import AccountStatus
from calendar_app.models import AttemptAction
from calendar_app.models import AttemptOutcome
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.timezones import format_in_zone
from calendar_app.timezones import zone_or_utc
from social.models import Platform

from ..schemas import Id
from ..schemas import Instant
from ..schemas import PageQuery
from ..schemas import Text
from ..schemas import Timestamp
from ..schemas import from_row

MediaType = Literal["image", "video", "gif"]
When = Instant | Literal["now", "queue"]


class MediaIn(Schema):
    """One media item: an asset of the media library (``asset``) or a file at an address (``url``)."""

    asset: Id | None = Field(None, description="A media asset's id (POST /media).")
    url: Text | None = Field(None, description="An http(s) address the platforms can fetch.")
    type: MediaType | None = Field(None, description="Default: the asset's kind, or image for a URL.")
    alt_text: Text = ""

    @model_validator(mode="after")
    def _one_source(self):
        if (self.asset is None) == (self.url is None):
            raise ValueError("give either asset or url")
        return self


PLATFORMS_DESCRIPTION = (
    'Per platform, e.g. {"TWITTER": {"content": "shorter text for X"}, "YOUTUBE": {"title": "...", '
    '"privacy_status": "public"}}: `content` and `media` replace the post\'s; anything else is that '
    "platform's option (GET /accounts/{id} lists them)."
)


class PostCreateIn(Schema):
    accounts: list[Id] = Field(default_factory=list, description="Account ids (GET /accounts).")
    text: Text = ""
    scheduled_at: When | None = Field(
        None,
        description='When to publish: an ISO 8601 time with its offset, "now", or "queue" (the next free '
        "slot of the accounts' posting schedule).",
    )
    timezone: str = Field("UTC", description="The author's IANA time zone: the post's local time.")
    status: Literal["SCHEDULED", "DRAFT"] = Field("SCHEDULED", description="DRAFT is never published.")
    media: list[MediaIn] = Field(default_factory=list)
    platforms: dict[Platform, dict[str, Any]] = Field(default_factory=dict, description=PLATFORMS_DESCRIPTION)
    queue_schedule: Id | None = Field(None, description='With "queue": this posting schedule.')


class PostUpdateIn(Schema):
    """Only the fields given change; `media` and `platforms` are replaced whole when given."""

    accounts: list[Id] | None = None
    text: Text | None = None
    scheduled_at: Instant | Literal["now"] | None = None
    timezone: str | None = None
    status: Literal["SCHEDULED", "DRAFT", "CANCELLED"] | None = None
    media: list[MediaIn] | None = None
    platforms: dict[Platform, dict[str, Any]] | None = Field(None, description=PLATFORMS_DESCRIPTION)


class QueueIn(Schema):
    schedule: Id | None = Field(
        None, description="A posting schedule; default: the one covering the accounts."
    )


class PostFilters(PageQuery):
    status: list[PostStatus] | None = Field(None, description="Any of these (repeat the parameter).")
    account: Id | None = Field(None, description="Posts going to this account.")
    scheduled_after: Instant | None = Field(None, description="scheduled_at at or after this time.")
    scheduled_before: Instant | None = Field(None, description="scheduled_at before this time.")
    order: Literal["asc", "desc"] = Field("asc", description="By scheduled_at, then id.")


class AccountRef(Schema):
    id: int
    platform: Platform
    name: str


class AttemptOut(Schema):
    action: AttemptAction
    started_at: Timestamp
    finished_at: Timestamp | None
    outcome: AttemptOutcome
    error_kind: str
    http_status: int | None
    error_message: str


class PostAccountOut(Schema):
    account: AccountRef
    status: AccountStatus
    platform_post_id: str
    url: str = Field(description="The published post's address on the platform.")
    error_kind: str
    error_message: str
    attempt_count: int
    published_at: Timestamp | None
    attempts: list[AttemptOut] | None = Field(
        None, description="Every platform call, oldest first (GET /posts/{id})."
    )


class LocalTime(Schema):
    at: Timestamp = Field(description="scheduled_at in the author's zone, with its offset.")
    display: str = Field(description='As the admin shows it: "2026-03-08 14:05 EDT".')


class AuthorOut(Schema):
    id: int
    username: str


class PostOut(Schema):
    id: int
    status: PostStatus
    text: str
    scheduled_at: Timestamp
    timezone: str
    local: LocalTime
    media: list[dict[str, Any]]
    platforms: dict[str, dict[str, Any]]
    author: AuthorOut
    retry_count: int
    max_retries: int
    next_attempt_at: Timestamp | None
    published_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    accounts: list[PostAccountOut]


def local_time(instant: datetime, zone_name: str) -> LocalTime:
    return LocalTime(
        at=instant.astimezone(zone_or_utc(zone_name)), display=format_in_zone(instant, zone_name)
    )


def post_out(post: ScheduledPost, *, with_attempts: bool = False) -> PostOut:
    """``post`` with ``created_by`` and its accounts loaded (and their ``attempts`` when asked for)."""
    metadata = post.metadata or {}
    return from_row(
        PostOut,
        post,
        text=post.content,
        local=local_time(post.scheduled_at, post.timezone),
        media=list(metadata.get("media") or []),
        platforms=dict(metadata.get("platforms") or {}),
        author=AuthorOut(id=post.created_by_id, username=post.created_by.get_username()),
        accounts=[
            from_row(
                PostAccountOut,
                pa,
                account=from_row(AccountRef, pa.account),
                url=pa.platform_post_url,
                attempts=[from_row(AttemptOut, attempt) for attempt in pa.attempts.all()]
                if with_attempts
                else None,
            )
            for pa in post.post_accounts.all()
        ],
    )
