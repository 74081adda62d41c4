"""The notifications' write side. What other parts call:

- in the transaction of a state change: ``events_record`` (or ``event_record``) with drafts from
  ``post_finalized_event``, ``post_account_needs_review_event``, ``account_needs_reconnect_event``;
- after a publisher run: ``notifications_after_run`` (token warnings, then ``notifications_deliver``);
  ``manage.py deliver_notifications`` does the same for operators.
"""

from .delivery import DeliveryReport
from .delivery import notifications_after_run
from .delivery import notifications_deliver
from .endpoints import webhook_endpoint_create
from .endpoints import webhook_endpoint_rotate_secret
from .endpoints import webhook_endpoint_set_active
from .endpoints import webhook_endpoint_update
from .endpoints import webhook_secret_generate
from .endpoints import webhook_url_validate
from .events import AccountResult
from .events import EventDraft
from .events import NotInTransaction
from .events import account_needs_reconnect_event
from .events import account_token_expiring_event
from .events import event_record
from .events import events_record
from .events import post_account_needs_review_event
from .events import post_finalized_event
from .events import publisher_recovered_event
from .events import publisher_stalled_event
from .tokens import account_tokens_scan_expiring
from .webhooks import webhook_endpoint_send_test

__all__ = [
    "AccountResult",
    "DeliveryReport",
    "EventDraft",
    "NotInTransaction",
    "account_needs_reconnect_event",
    "account_token_expiring_event",
    "account_tokens_scan_expiring",
    "event_record",
    "events_record",
    "notifications_after_run",
    "notifications_deliver",
    "post_account_needs_review_event",
    "post_finalized_event",
    "publisher_recovered_event",
    "publisher_stalled_event",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_send_test",
    "webhook_endpoint_set_active",
    "webhook_endpoint_update",
    "webhook_secret_generate",
    "webhook_url_validate",
]
