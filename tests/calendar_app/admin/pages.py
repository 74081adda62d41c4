"""The admin's addresses and the requests the admin tests make."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

from calendar_app.models import ScheduledPost

from ..factories import make_account

LIST = "/admin/calendar_app/scheduledpost/"
ADD = "/admin/calendar_app/scheduledpost/add/"
CALENDAR = "/admin/calendar_app/scheduledpost/calendar/"
TOO_LONG = "x" * 312
FUTURE = datetime(2030, 7, 1, 7, 30, tzinfo=UTC)  # 09:30 in Paris (CEST)
NEW_YORK = ZoneInfo("America/New_York")


def change_url(post: ScheduledPost) -> str:
    return f"/admin/calendar_app/scheduledpost/{post.pk}/change/"


def add_form_errors(client, owner, **fields) -> dict[str, list[str]]:
    """The add form's errors, sent as ``owner``'s post to a new X account of theirs with ``fields``."""
    response = client.post(ADD, form_data(social_accounts=[make_account(owner).pk], **fields))
    return response.context["adminform"].form.errors


def form_data(**overrides) -> dict:
    data = {
        "content": "Hello",
        "social_accounts": [],
        "scheduled_local": "2030-07-01T09:30",
        "timezone": "Europe/Paris",
        "status": "SCHEDULED",
        **{f"media_{index}_type": "image" for index in range(1, 5)},
    }
    data.update(overrides)
    return data


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def review_url(post, post_account) -> str:
    return f"/admin/calendar_app/scheduledpost/{post.pk}/review/{post_account.pk}/"


def run_on_page(client, post, action: str):
    return client.post(
        change_url(post), {"CHANGE_FORM-action": action, "_selected_action": post.pk}, follow=True
    )


def run_on_list(client, posts, action: str):
    return client.post(LIST, {"action": action, "_selected_action": [post.pk for post in posts]}, follow=True)
