"""The admin home page's banner: a stalled or degraded publisher, and the accounts to reconnect."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ..health import accounts_needing_reconnect
from ..health import publisher_health_check
from ..models import PostStatus

register = template.Library()


@register.inclusion_tag("admin/calendar_app/publisher_banner.html")
def publisher_health_banner() -> dict[str, object]:
    """Checks the publisher as ``/healthz`` does (recording a stall the first time anyone sees it)."""
    health = publisher_health_check()
    accounts = accounts_needing_reconnect() if health.accounts_need_reconnecting else []
    return {
        "health": health,
        "accounts": [
            {
                "label": f"{account.get_platform_display()}: {account.name}",
                "reconnect_url": reverse("social:connect", args=[account.platform]),
                "admin_url": reverse("admin:social_socialaccount_change", args=[account.pk]),
            }
            for account in accounts
        ],
        "more_accounts": health.accounts_need_reconnecting - len(accounts),
        "accounts_url": reverse("admin:social_socialaccount_changelist") + "?status__exact=NEEDS_RECONNECT",
        "runs_url": reverse("admin:calendar_app_publisherrun_changelist"),
        "due_url": reverse("admin:calendar_app_scheduledpost_changelist")
        + f"?status__exact={PostStatus.SCHEDULED}",
    }
