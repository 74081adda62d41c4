"""Posts: list, create (at a time, now, or in the queue), read with each account's result and attempts,
update while not publishing, cancel, publish now, retry failed accounts, add to the queue, delete.

Every write is a call of calendar_app.services.posts (or planning's queue), the admin's own services.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http import HttpResponse
from django.urls import reverse
from ninja import Query
from ninja import Router

from calendar_app.access import post_change_allowed
from calendar_app.access import posts_visible_to
from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.rules import post_cancel_refusal
from calendar_app.rules import post_edit_refusal
from calendar_app.rules import post_publish_now_refusal
from calendar_app.rules import post_retry_refusal
from calendar_app.selectors import post_account_statuses
from calendar_app.selectors import post_accounts_with_history_prefetch
from calendar_app.selectors import post_list_queryset
from calendar_app.selectors import post_to_account_q
from calendar_app.services.posts import post_cancel
from calendar_app.services.posts import post_create
from calendar_app.services.posts import post_delete
from calendar_app.services.posts import post_publish_now
from calendar_app.services.posts import post_retry_failed_accounts
from calendar_app.services.posts import post_update
from planning.services.queue import queue_add

from ..auth import requires
from ..auth import scope_check
from ..idempotency import idempotent
from ..models import Scope
from ..operations import one_visible
from ..operations import read_one
from ..pagination import keyset_page
from ..post_body import QUEUE
from ..post_body import api_fields
from ..post_body import metadata_from
from ..post_body import post_input
from ..problems import Problem
from ..problems import invalid
from ..schemas import Id
from ..schemas import PageOut
from ..schemas import problems
from .post_schemas import PostCreateIn
from .post_schemas import PostFilters
from .post_schemas import PostOut
from .post_schemas import PostUpdateIn
from .post_schemas import QueueIn
from .post_schemas import post_out

router = Router(tags=["posts"])


def visible_posts(request: HttpRequest) -> QuerySet[ScheduledPost]:
    return posts_visible_to(user=request.user)


def _post(request: HttpRequest, post_id: Id) -> ScheduledPost:
    """The post if the user may see it; 404 otherwise, whether or not it exists."""
    return one_visible(visible_posts(request).select_related("created_by"), post_id, "post")


def _changeable(request: HttpRequest, post_id: Id) -> ScheduledPost:
    post = _post(request, post_id)
    if not post_change_allowed(user=request.user, post=post):
        raise Problem(
            403,
            f"{post} is {post.created_by}'s, and you may not change other people's posts."
            if post.created_by_id != request.user.pk
            else "You may not change posts.",
        )
    return post


def _refuse_if(refusal: str | None) -> None:
    """A rule of calendar_app.rules refusing an action in the post's current state: 409."""
    if refusal is not None:
        raise Problem(409, refusal, slug="not-allowed-now")


def _answer(post_id: Id, *, status: int = 200) -> HttpResponse:
    post = (
        ScheduledPost.objects.select_related("created_by")
        .prefetch_related(post_accounts_with_history_prefetch())
        .get(pk=post_id)
    )
    response = HttpResponse(
        post_out(post, with_attempts=True).model_dump_json(), status=status, content_type="application/json"
    )
    if status == 201:
        response["Location"] = reverse("api-v1:post_read", args=[post_id])
    return response


def _service(call):
    """Run a post service; its refusal becomes a 422 naming the API's fields (and the platform)."""
    try:
        return call()
    except ValidationError as exc:
        raise invalid(exc, rename=api_fields) from None


def new_post_input(request: HttpRequest, payload: PostCreateIn, *, when):
    """A new post's body as the services' ``PostInput`` (raises the services' ValidationError)."""
    return post_input(
        user=request.user,
        text=payload.text,
        account_ids=payload.accounts,
        when=when,
        timezone_name=payload.timezone,
        status=payload.status,
        metadata=metadata_from(
            media=[item.model_dump() for item in payload.media],
            platforms=payload.platforms,
            user=request.user,
            base=None,
        ),
    )


POST_ANSWERS = {200: PostOut, **problems(403, 404, 409, 422)}


@router.get("/posts", response={200: PageOut[PostOut], **problems(403, 422)}, summary="List posts")
@requires(Scope.READ)
def post_list(request: HttpRequest, filters: Query[PostFilters]):
    """Posts the user may see, by scheduled time. Each with its accounts' results (not their attempts)."""
    posts = visible_posts(request)
    if filters.status:
        posts = posts.filter(status__in=filters.status)
    if filters.account is not None:
        posts = posts.filter(post_to_account_q(account_id=filters.account))
    if filters.scheduled_after:
        posts = posts.filter(scheduled_at__gte=filters.scheduled_after)
    if filters.scheduled_before:
        posts = posts.filter(scheduled_at__lt=filters.scheduled_before)
    page = keyset_page(
        post_list_queryset(queryset=posts),
        time_field="scheduled_at",
        cursor=filters.cursor,
        limit=filters.limit,
        descending=filters.order == "desc",
    )
    return {"items": [post_out(post) for post in page.items], "next_cursor": page.next_cursor}


@router.post("/posts", response={201: PostOut, **problems(403, 409, 422)}, summary="Create a post")
@requires(Scope.WRITE)
def post_create_view(request: HttpRequest, payload: PostCreateIn):
    """Saved as SCHEDULED at `scheduled_at` (needs the `publish` scope), `"now"` or `"queue"`, or as a DRAFT.
    Checked against every chosen platform, exactly as in the admin."""
    if payload.status == PostStatus.SCHEDULED or payload.scheduled_at in ("now", QUEUE):
        scope_check(request, Scope.PUBLISH)

    def create() -> HttpResponse:
        data = _service(lambda: new_post_input(request, payload, when=payload.scheduled_at))
        post = _service(lambda: post_create(created_by=request.user, data=data))
        if payload.scheduled_at == QUEUE:
            _service(lambda: queue_add(post_id=post.pk, schedule_id=payload.queue_schedule))
        return _answer(post.pk, status=201)

    return idempotent(request, body=payload.model_dump(mode="json"), answer=create)


@read_one(router, "/posts/{post_id}", PostOut, summary="Read a post", url_name="post_read")
def post_read(request: HttpRequest, post_id: Id):
    """The post with each account's result, link and every attempt."""
    return _answer(_post(request, post_id).pk)


@router.patch("/posts/{post_id}", response=POST_ANSWERS, summary="Update a post")
@requires(Scope.WRITE)
def post_update_view(request: HttpRequest, post_id: Id, payload: PostUpdateIn):
    """Only while nothing of it has gone out and the publisher does not hold it (409 otherwise). A post
    that stays or becomes SCHEDULED needs the `publish` scope."""
    post = _changeable(request, post_id)
    _refuse_if(post_edit_refusal(post=post, account_statuses=post_account_statuses(post_id=post.pk)))
    status = payload.status or post.status
    if status == PostStatus.SCHEDULED or payload.scheduled_at == "now":
        scope_check(request, Scope.PUBLISH)
    given = payload.model_fields_set
    with_accounts = (
        payload.accounts
        if payload.accounts is not None
        else list(post.post_accounts.values_list("account_id", flat=True))
    )
    data = _service(
        lambda: post_input(
            user=request.user,
            text=post.content if payload.text is None else payload.text,
            account_ids=with_accounts,
            when=payload.scheduled_at or post.scheduled_at,
            timezone_name=payload.timezone or post.timezone,
            status=status,
            metadata=metadata_from(
                media=[item.model_dump() for item in payload.media]
                if "media" in given and payload.media is not None
                else None,
                platforms=payload.platforms if "platforms" in given else None,
                user=request.user,
                base=post.metadata,
            ),
            post=post,
        )
    )
    _service(lambda: post_update(post_id=post.pk, data=data))
    return _answer(post.pk)


@router.delete("/posts/{post_id}", response={204: None, **problems(403, 404, 409)}, summary="Delete a post")
@requires(Scope.WRITE)
def post_delete_view(request: HttpRequest, post_id: Id):
    """Only a post nothing of which went out; one with history stays (cancel it instead)."""
    post = _changeable(request, post_id)
    _refuse_if(post_edit_refusal(post=post, account_statuses=post_account_statuses(post_id=post.pk)))
    _service(lambda: post_delete(post_id=post.pk))
    return HttpResponse(status=204)


def _action(request: HttpRequest, post_id: Id, rule, service) -> HttpResponse:
    post = _changeable(request, post_id)

    def run() -> HttpResponse:
        _refuse_if(rule(post=post, account_statuses=post_account_statuses(post_id=post.pk)))
        _service(lambda: service(post.pk))
        return _answer(post.pk)

    return idempotent(request, body=None, answer=run)


@router.post("/posts/{post_id}/cancel", response=POST_ANSWERS, summary="Cancel a post")
@requires(Scope.WRITE)
def post_cancel_view(request: HttpRequest, post_id: Id):
    """A draft or scheduled post; one being published, or done, stays as it is (409)."""
    return _action(request, post_id, post_cancel_refusal, lambda pk: post_cancel(post_id=pk))


@router.post("/posts/{post_id}/publish-now", response=POST_ANSWERS, summary="Publish a post now")
@requires(Scope.WRITE, Scope.PUBLISH)
def post_publish_now_view(request: HttpRequest, post_id: Id):
    """Makes a draft, scheduled or cancelled post due now: the next publisher run sends it."""
    return _action(request, post_id, post_publish_now_refusal, lambda pk: post_publish_now(post_id=pk))


@router.post("/posts/{post_id}/retry-failed", response=POST_ANSWERS, summary="Retry failed accounts")
@requires(Scope.WRITE, Scope.PUBLISH)
def post_retry_view(request: HttpRequest, post_id: Id):
    """Sends a failed or partially published post again to its FAILED accounts, due now."""
    return _action(request, post_id, post_retry_refusal, lambda pk: post_retry_failed_accounts(post_id=pk))


@router.post("/posts/{post_id}/queue", response=POST_ANSWERS, summary="Add a post to the queue")
@requires(Scope.WRITE, Scope.PUBLISH)
def post_queue_view(request: HttpRequest, post_id: Id, payload: QueueIn):
    """Schedules a draft or scheduled post in the next slot free for all its accounts."""
    post = _changeable(request, post_id)

    def run() -> HttpResponse:
        _service(lambda: queue_add(post_id=post.pk, schedule_id=payload.schedule))
        return _answer(post.pk)

    return idempotent(request, body=payload.model_dump(mode="json"), answer=run)
