"""'Add to queue' in the post admin: the form's "Save and add to queue" button and the list's action, both
through planning's queue services, each saying which slot the post took."""

from __future__ import annotations

from django.forms import ModelForm

from planning.models import QueueEntry
from planning.services.queue import queue_add
from planning.services.queue import queue_post_input

from ..forms import ScheduledPostForm
from ..models import PostStatus
from ..models import ScheduledPost
from ..timezones import format_in_zone

# The name of the post form's "Save and add to queue" button.
QUEUE_SUBMIT = "_queue"


def queue_form(form_class: type[ModelForm], *, post_id: int | None) -> type[ModelForm]:
    """The post form, checking the post at the next slot free for all its accounts instead of a typed time."""
    if not issubclass(form_class, ScheduledPostForm):
        return form_class

    def at_next_slot(data):
        return queue_post_input(data=data, post_id=post_id)[0]

    return type(form_class.__name__, (form_class,), {"queue_input": staticmethod(at_next_slot)})


def post_queued_where(post: ScheduledPost) -> str:
    """``the queue of Acme, at 2030-03-31 09:00 CEST``, with a word when a paused schedule holds it."""
    entry = QueueEntry.objects.filter(post_id=post.pk).select_related("schedule").first()
    where = f"the queue of {entry.schedule}" if entry else "its queue"
    at = format_in_zone(post.scheduled_at, post.timezone)
    if post.status == PostStatus.DRAFT:
        return f"{where}, at {at}, held as a draft until the schedule is resumed"
    return f"{where}, at {at}"


def post_add_to_queue(post: ScheduledPost) -> str:
    """The list action's service: queue the saved post as it is; where it went."""
    return post_queued_where(queue_add(post_id=post.pk))
