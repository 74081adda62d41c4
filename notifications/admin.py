"""The admin: webhook endpoints (secret shown once, test send, enable/disable), their delivery log, the
events and emails, and each person's email preferences. Every write goes through ``services``."""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from .forms import NotificationPreferenceForm
from .forms import WebhookEndpointForm
from .models import DeliveryStatus
from .models import EmailNotification
from .models import Event
from .models import NotificationPreference
from .models import WebhookDelivery
from .models import WebhookDeliveryAttempt
from .models import WebhookEndpoint
from .services import webhook_endpoint_create
from .services import webhook_endpoint_rotate_secret
from .services import webhook_endpoint_send_test
from .services import webhook_endpoint_set_active
from .services import webhook_endpoint_update
from .services.webhooks import webhook_deliveries_retry_now


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log: nobody adds or edits its rows by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows of a log shown under their parent; ``fields`` are all read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


def _local(value) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "state", "subscribed", "failing_since_local", "delivery_log"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = [
        "state",
        "disabled_reason",
        "failing_since_local",
        "created_by",
        "created_at",
        "delivery_log",
    ]
    actions = ["send_test_event", "enable", "disable"]
    change_form_template = "admin/notifications/webhookendpoint/change_form.html"

    class Media:
        css = {"all": ["notifications/admin.css"]}
        js = ["calendar_app/viewer-timezone.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "description", "events"]
        return ["url", "description", "events", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        # Through the services, as the API: the same checks, and only they generate the secret.
        fields = {key: form.cleaned_data[key] for key in ("url", "events", "description")}
        if change:
            webhook_endpoint_update(endpoint_id=obj.pk, **fields)
        else:
            obj.pk = webhook_endpoint_create(**fields, created_by=request.user).pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        # The only page that ever shows the secret; never cached, never stored anywhere readable.
        return self._secret_page(request, obj, created=True)

    def _secret_page(self, request, endpoint: WebhookEndpoint, *, created: bool) -> TemplateResponse:
        response = TemplateResponse(
            request,
            "admin/notifications/webhookendpoint/secret.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "endpoint": endpoint,
                "secret": endpoint.secret,
                "created": created,
                "title": "Copy the signing secret now",
                "change_url": reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        def view(name, function):
            return path(
                f"<int:object_id>/{name.replace('_', '-')}/",
                self.admin_site.admin_view(require_POST(function)),
                name=f"notifications_webhookendpoint_{name}",
            )

        return [
            view("send_test", self.send_test_view),
            view("rotate_secret", self.rotate_secret_view),
            view("enable", self.enable_view),
            view("disable", self.disable_view),
            *super().get_urls(),
        ]

    def _changeable(self, request, object_id: int) -> WebhookEndpoint:
        endpoint = get_object_or_404(WebhookEndpoint.objects.defer("secret"), pk=object_id)
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        return endpoint

    def _back(self, endpoint: WebhookEndpoint) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]))

    def send_test_view(self, request, object_id):
        endpoint = self._changeable(request, object_id)
        self._report_test(request, endpoint)
        return self._back(endpoint)

    def rotate_secret_view(self, request, object_id):
        endpoint = self._changeable(request, object_id)
        return self._secret_page(
            request, webhook_endpoint_rotate_secret(endpoint_id=endpoint.pk), created=False
        )

    def enable_view(self, request, object_id):
        endpoint = self._changeable(request, object_id)
        webhook_endpoint_set_active(endpoint_id=endpoint.pk, active=True)
        self.message_user(request, f"{endpoint} is enabled; the deliveries it missed are tried now.")
        return self._back(endpoint)

    def disable_view(self, request, object_id):
        endpoint = self._changeable(request, object_id)
        webhook_endpoint_set_active(endpoint_id=endpoint.pk, active=False)
        self.message_user(request, f"{endpoint} is disabled; it receives nothing until enabled.")
        return self._back(endpoint)

    def _report_test(self, request, endpoint: WebhookEndpoint) -> None:
        delivery = webhook_endpoint_send_test(endpoint_id=endpoint.pk)
        if delivery.status == DeliveryStatus.DELIVERED:
            self.message_user(
                request, f"Test event delivered to {endpoint}: HTTP {delivery.response_status}."
            )
        else:
            self.message_user(
                request, f"Test event to {endpoint} failed: {delivery.last_error}", level=messages.ERROR
            )

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test_event(self, request, queryset):
        for endpoint in queryset.defer("secret"):
            self._report_test(request, endpoint)

    @admin.action(description="Enable", permissions=["change"])
    def enable(self, request, queryset):
        self._set_active(request, queryset, active=True)

    @admin.action(description="Disable", permissions=["change"])
    def disable(self, request, queryset):
        self._set_active(request, queryset, active=False)

    def _set_active(self, request, queryset, *, active: bool) -> None:
        changed = sum(
            webhook_endpoint_set_active(endpoint_id=pk, active=active)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{'Enabled' if active else 'Disabled'} {changed} endpoints.")

    @admin.display(description="State", ordering="is_active")
    def state(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.is_active:
            return "failing" if endpoint.failing_since else "active"
        return "disabled"

    @admin.display(description="Events")
    def subscribed(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events or [])

    @admin.display(description="Failing since", ordering="failing_since")
    def failing_since_local(self, endpoint: WebhookEndpoint) -> str:
        return _local(endpoint.failing_since) if endpoint.failing_since else "—"

    @admin.display(description="Deliveries")
    def delivery_log(self, endpoint: WebhookEndpoint) -> str:
        url = (
            reverse("admin:notifications_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        )
        return format_html('<a href="{}">Delivery log</a>', url)


class WebhookDeliveryAttemptInline(ReadOnlyInline):
    model = WebhookDeliveryAttempt
    fields = ["started_at", "duration_ms", "response_status", "succeeded", "detail"]


# Where a delivery stands, in its list and on its page.
DELIVERY_STATE = ["endpoint", "status", "attempt_count", "response_status", "next_try", "last_try"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event_type", "event_id", *DELIVERY_STATE, "last_error"]
    list_filter = ["status", "endpoint", "event__type"]
    list_select_related = ["event", "endpoint"]
    fields = ["event_link", *DELIVERY_STATE, "delivered_at", "last_error"]
    readonly_fields = fields
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["retry_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("endpoint__secret")

    def has_change_permission(self, request, obj=None):
        # Viewing needs no change; the retry action does.
        return request.user.has_perm("notifications.change_webhookdelivery")

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description="Event")
    def event_link(self, delivery: WebhookDelivery) -> str:
        url = reverse("admin:notifications_event_change", args=[delivery.event_id])
        return format_html('<a href="{}">{} {}</a>', url, delivery.event.type, delivery.event_id)

    @admin.display(description="Next try", ordering="next_attempt_at")
    def next_try(self, delivery: WebhookDelivery) -> str:
        return _local(delivery.next_attempt_at) if delivery.status == DeliveryStatus.PENDING else "—"

    @admin.display(description="Last try", ordering="last_attempt_at")
    def last_try(self, delivery: WebhookDelivery) -> str:
        return _local(delivery.last_attempt_at)

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        count = webhook_deliveries_retry_now(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries will be tried on the next delivery pass.")


class EventDeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = ["endpoint", "status", "attempt_count", "response_status", "next_attempt_at", "last_error"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("endpoint").defer("endpoint__secret")


class EventEmailInline(ReadOnlyInline):
    model = EmailNotification
    fields = ["recipient", "status", "attempt_count", "sent_at", "last_error"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["type", "created_local", "post_id", "account", "group_key", "fanned_out"]
    list_filter = ["type"]
    search_fields = ["=id", "=post__id"]
    fields = ["id", "type", "created_local", "post_id", "account", "group_key", "fanned_out_at", "data_json"]
    readonly_fields = fields
    inlines = [EventDeliveryInline, EventEmailInline]

    def get_queryset(self, request):
        # The account's name only: its tokens are never loaded for a page.
        return (
            super()
            .get_queryset(request)
            .select_related("account")
            .defer("account__access_token", "account__refresh_token")
        )

    @admin.display(description="When", ordering="created_at")
    def created_local(self, event: Event) -> str:
        return _local(event.created_at)

    @admin.display(description="Fanned out", boolean=True)
    def fanned_out(self, event: Event) -> bool:
        return event.fanned_out_at is not None

    @admin.display(description="Data (the webhook body's data)")
    def data_json(self, event: Event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.data, indent=2, ensure_ascii=False))


@admin.register(EmailNotification)
class EmailNotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "event", "status", "attempt_count", "sent_at", "last_error"]
    list_filter = ["status", "event__type"]
    list_select_related = ["event"]
    search_fields = ["recipient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Everyone on the staff edits their own; those allowed to change preferences edit everyone's."""

    form = NotificationPreferenceForm
    list_display = ["user", "email_summary"]
    list_select_related = ["user"]

    def _manages_all(self, request) -> bool:
        return request.user.has_perm("notifications.change_notificationpreference")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if self._manages_all(request) else queryset.filter(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._manages_all(request) or obj is None or obj.user_id == request.user.pk

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("notifications.delete_notificationpreference")

    def get_fields(self, request, obj=None):
        return ["user", "email_events"] if self._manages_all(request) else ["email_events"]

    def add_view(self, request, form_url="", extra_context=None):
        if not self._manages_all(request):
            own = NotificationPreference.objects.filter(user=request.user).first()
            if own is not None:
                return HttpResponseRedirect(
                    reverse("admin:notifications_notificationpreference_change", args=[own.pk])
                )
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not self._manages_all(request):
            obj.user = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Emailed about")
    def email_summary(self, preference: NotificationPreference) -> str:
        return ", ".join(preference.email_events or []) or "nothing"
