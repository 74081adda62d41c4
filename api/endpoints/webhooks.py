"""Webhook endpoints (site-wide, as in the admin: Django's webhook endpoint permissions decide) and the
events they receive."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.http import HttpRequest
from django.http import HttpResponse
from django.urls import reverse
from ninja import Query
from ninja import Router
from ninja import Schema
from pydantic import Field

from calendar_app.access import posts_visible_to
from notifications.models import SUBSCRIBABLE_TYPES
from notifications.models import Event
from notifications.models import EventType
from notifications.models import WebhookEndpoint
from notifications.services.endpoints import webhook_endpoint_create
from notifications.services.endpoints import webhook_endpoint_rotate_secret
from notifications.services.endpoints import webhook_endpoint_set_active
from social.selectors import social_accounts_usable_by

from ..auth import requires
from ..idempotency import idempotent
from ..models import Scope
from ..operations import act_on_one
from ..operations import one_visible
from ..operations import read_one
from ..pagination import keyset_page
from ..problems import Problem
from ..problems import invalid
from ..schemas import Id
from ..schemas import PageOut
from ..schemas import PageQuery
from ..schemas import Text
from ..schemas import Timestamp
from ..schemas import from_row
from ..schemas import problems

router = Router(tags=["webhooks and events"])

SIGNING_KEY_HELP = (
    "The signing secret (whsec_…), shown in this answer only: a replay of it (Idempotency-Key) has null "
    "here. Lost it? Rotate it."
)


class EndpointIn(Schema):
    url: Text = Field(
        description="https:// address that receives the events (checked now and at every delivery)."
    )
    events: list[str] = Field(description=f"Any of: {', '.join(SUBSCRIBABLE_TYPES)}.")
    description: Text = ""


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    is_active: bool
    disabled_reason: str
    failing_since: Timestamp | None
    created_at: Timestamp


class EndpointWithSecretOut(EndpointOut):
    secret: str | None = Field(description=SIGNING_KEY_HELP)


class EventOut(Schema):
    id: str
    type: str
    created_at: Timestamp
    data: dict = Field(description="As in the webhook's body: ids and names, never a token.")
    post: int | None
    account: int | None


class EventFilters(PageQuery):
    type: list[str] | None = Field(None, description="Any of these event types (repeat the parameter).")
    post: Id | None = None


def endpoint_out(endpoint: WebhookEndpoint, *, secret: str | None = None, schema=EndpointOut):
    """Never the stored secret: only the one ``secret`` given, in the schema that shows it."""
    return from_row(schema, endpoint, events=list(endpoint.events or []), secret=secret)


def _need(request: HttpRequest, action: str) -> None:
    if not request.user.has_perm(f"notifications.{action}_webhookendpoint"):
        raise Problem(
            403, f"You may not {action} webhook endpoints (notifications.{action}_webhookendpoint)."
        )


def _endpoint(request: HttpRequest, endpoint_id: Id) -> WebhookEndpoint:
    if not (
        request.user.has_perm("notifications.view_webhookendpoint")
        or request.user.has_perm("notifications.change_webhookendpoint")
    ):
        raise Http404(f"No webhook endpoint {endpoint_id}.")
    return one_visible(WebhookEndpoint.objects.defer("secret"), endpoint_id, "webhook endpoint")


def _with_secret(endpoint: WebhookEndpoint, *, status: int) -> HttpResponse:
    response = HttpResponse(
        endpoint_out(endpoint, secret=endpoint.secret, schema=EndpointWithSecretOut).model_dump_json(),
        status=status,
        content_type="application/json",
    )
    response["Cache-Control"] = "no-store"
    if status == 201:
        response["Location"] = reverse("api-v1:webhook_endpoint_read", args=[endpoint.pk])
    return response


@router.get(
    "/webhook-endpoints",
    response={200: PageOut[EndpointOut], **problems(403, 422)},
    summary="List webhook endpoints",
)
@requires(Scope.READ)
def endpoint_list(request: HttpRequest, page: Query[PageQuery]):
    if not (
        request.user.has_perm("notifications.view_webhookendpoint")
        or request.user.has_perm("notifications.change_webhookendpoint")
    ):
        return {"items": [], "next_cursor": None}
    result = keyset_page(
        WebhookEndpoint.objects.defer("secret"), time_field="created_at", cursor=page.cursor, limit=page.limit
    )
    return {"items": [endpoint_out(endpoint) for endpoint in result.items], "next_cursor": result.next_cursor}


@router.post(
    "/webhook-endpoints",
    response={201: EndpointWithSecretOut, **problems(403, 409, 422)},
    summary="Add a webhook endpoint",
)
@requires(Scope.WRITE)
def endpoint_create(request: HttpRequest, payload: EndpointIn):
    """Answers with its signing secret, once."""
    _need(request, "add")

    def create() -> HttpResponse:
        try:
            endpoint = webhook_endpoint_create(
                url=payload.url,
                events=payload.events,
                description=payload.description,
                created_by=request.user,
            )
        except ValidationError as exc:
            raise invalid(exc, rename=_endpoint_fields) from None
        return _with_secret(endpoint, status=201)

    return idempotent(request, body=payload.model_dump(mode="json"), answer=create, redact=["secret"])


def _endpoint_fields(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return error.message_dict
    fields = {"webhook_url": "url", "webhook_events": "events"}
    code = getattr(error, "code", None) or (
        error.error_list[0].code if getattr(error, "error_list", None) else None
    )
    return {fields.get(code, "url"): error.messages}


@read_one(
    router,
    "/webhook-endpoints/{endpoint_id}",
    EndpointOut,
    summary="Read a webhook endpoint",
    url_name="webhook_endpoint_read",
)
def endpoint_read(request: HttpRequest, endpoint_id: Id):
    return endpoint_out(_endpoint(request, endpoint_id))


@act_on_one(
    router,
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    EndpointWithSecretOut,
    summary="Rotate the signing secret",
)
def endpoint_rotate(request: HttpRequest, endpoint_id: Id):
    """A new secret, shown in this answer only; the old one stops verifying at once."""
    endpoint = _endpoint(request, endpoint_id)
    _need(request, "change")
    return idempotent(
        request,
        body=None,
        answer=lambda: _with_secret(webhook_endpoint_rotate_secret(endpoint_id=endpoint.pk), status=200),
        redact=["secret"],
    )


def _set_active(request: HttpRequest, endpoint_id: Id, *, active: bool) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    _need(request, "change")

    def run() -> HttpResponse:
        webhook_endpoint_set_active(endpoint_id=endpoint.pk, active=active)
        endpoint.refresh_from_db()
        return HttpResponse(endpoint_out(endpoint).model_dump_json(), content_type="application/json")

    return idempotent(request, body=None, answer=run)


@act_on_one(router, "/webhook-endpoints/{endpoint_id}/enable", EndpointOut, summary="Enable")
def endpoint_enable(request: HttpRequest, endpoint_id: Id):
    """Enabling forgets its failures and sends the deliveries it missed at once."""
    return _set_active(request, endpoint_id, active=True)


@act_on_one(router, "/webhook-endpoints/{endpoint_id}/disable", EndpointOut, summary="Disable")
def endpoint_disable(request: HttpRequest, endpoint_id: Id):
    return _set_active(request, endpoint_id, active=False)


def events_visible_to(user):
    """Everything for whoever may view events (notifications.view_event); otherwise the events of the
    posts and accounts the user may see."""
    if user.has_perm("notifications.view_event"):
        return Event.objects.all()
    return Event.objects.filter(
        Q(post_id__in=posts_visible_to(user=user).values("pk"))
        | Q(account_id__in=social_accounts_usable_by(user=user).values("pk"))
    )


@router.get("/events", response={200: PageOut[EventOut], **problems(403, 422)}, summary="List events")
@requires(Scope.READ)
def event_list(request: HttpRequest, filters: Query[EventFilters]):
    """Newest first; the same events webhooks deliver (with the same ids)."""
    events = events_visible_to(request.user)
    if filters.type:
        unknown = sorted(set(filters.type) - set(EventType.values))
        if unknown:
            raise Problem(
                422,
                f"Unknown event type {unknown[0]!r}.",
                slug="validation",
                errors=[{"field": "type", "message": f"unknown event type {unknown[0]!r}", "in": "query"}],
            )
        events = events.filter(type__in=filters.type)
    if filters.post is not None:
        events = events.filter(post_id=filters.post)
    page = keyset_page(
        events,
        time_field="created_at",
        cursor=filters.cursor,
        limit=filters.limit,
        descending=True,
        id_field="id",
    )
    return {
        "items": [
            from_row(EventOut, event, id=str(event.id), post=event.post_id, account=event.account_id)
            for event in page.items
        ],
        "next_cursor": page.next_cursor,
    }
