"""Checking a post before saving it: what each chosen platform would refuse, and its text limit (the
composer's counters, for integrators). The same check the services run when the post is saved."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router
from ninja import Schema
from pydantic import Field

from calendar_app.services.post_input import PostInput
from calendar_app.services.post_input import post_input_check
from calendar_app.services.post_input import post_platform_problems
from social.models import SocialAccount
from social.platforms import UnknownPlatformError
from social.platforms import platform_spec

from ..auth import requires
from ..models import Scope
from ..post_body import api_fields
from ..problems import invalid
from ..problems import validation_errors
from ..schemas import ProblemError
from ..schemas import problems
from .post_schemas import PostCreateIn
from .posts import new_post_input

router = Router(tags=["posts"])


class AccountCheckOut(Schema):
    account: int
    platform: str
    text_length_limit: int | None = Field(description="The platform's limit, as it counts characters.")
    problems: list[str] = Field(description="What this platform would refuse; each names the platform.")


class CheckOut(Schema):
    valid: bool = Field(description="POST /posts would accept this as it is.")
    errors: list[ProblemError]
    accounts: list[AccountCheckOut]


@router.post("/posts/check", response={200: CheckOut, **problems(403, 422)}, summary="Check a post")
@requires(Scope.READ)
def post_check(request: HttpRequest, payload: PostCreateIn):
    """Nothing is saved. Platform problems are listed per account; counting follows each platform's own
    client (the same validation as when publishing)."""
    try:
        when = None if payload.scheduled_at == "queue" else payload.scheduled_at
        data: PostInput = new_post_input(request, payload, when=when)
    except ValidationError as exc:
        raise invalid(exc, rename=api_fields) from None
    if payload.scheduled_at == "queue":  # its time comes from the queue: check it as a scheduled post
        data = PostInput(**{**data.__dict__, "local_time": None, "publish_now": True, "status": "SCHEDULED"})
    check = post_input_check(data=data)
    accounts = SocialAccount.objects.without_tokens().filter(pk__in=payload.accounts).order_by("pk")
    return CheckOut(
        valid=not check.errors,
        errors=[
            ProblemError(**entry)
            for entry in validation_errors(ValidationError(api_fields(ValidationError(check.errors))))
        ]
        if check.errors
        else [],
        accounts=[
            AccountCheckOut(
                account=account.pk,
                platform=account.platform,
                text_length_limit=_text_limit(account),
                problems=post_platform_problems(
                    content=data.content, metadata=check.metadata, accounts=[account]
                ),
            )
            for account in accounts
        ],
    )


def _text_limit(account: SocialAccount) -> int | None:
    try:
        return platform_spec(account.platform).limits.text_length
    except UnknownPlatformError:
        return None
