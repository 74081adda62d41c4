"""Notification emails, received by a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import DeliveryStatus
from notifications.models import EmailNotification
from notifications.models import NotificationPreference
from notifications.services import AccountResult
from notifications.services import account_needs_reconnect_event
from notifications.services import notifications_deliver
from notifications.services import post_account_needs_review_event
from notifications.services import post_finalized_event
from social.services import social_account_mark_needs_reconnect

from ..conftest import record
from .test_events import failed
from .test_events import published

pytestmark = pytest.mark.django_db


def subject(message) -> str:
    """The subject as a mail client shows it (a long one is folded onto a second header line)."""
    return " ".join(message["Subject"].split())


def test_failed_post__emails_its_author_and_the_operators_with_reason_and_link(smtp, make_account, make_post):
    account = make_account(name="Acme on LinkedIn")
    post = make_post(account, scheduled_at=timezone.now().replace(month=7, day=1, hour=7, minute=30))
    record(post_finalized_event(post=post, status="FAILED", accounts=[failed(account)]))

    report = notifications_deliver(max_seconds=10)

    assert report.emails_sent == 2
    assert sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts) == [
        "author@example.com",
        "ops@example.com",
    ]
    (message,) = smtp.to("author@example.com")
    assert message["From"] == "scheduler@example.com"
    assert (
        subject(message)
        == f'[Scheduler] Post {post.pk} ("Launch day: our new product is live") was not published'
    )
    body = message.get_content()
    assert "LinkedIn (Acme on LinkedIn): failed." in body
    assert "The platform refused the post itself" in body  # the error kind in plain words
    assert "The platform said: Text is 3200 characters; the limit is 3000" in body
    assert (
        f"Open it: https://scheduler.example.com/admin/calendar_app/scheduledpost/{post.pk}/change/" in body
    )
    assert "Scheduled for 20" in body and "CEST" in body  # in the author's zone (Europe/Paris, summer)
    assert set(EmailNotification.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_failures_of_one_run_to_one_person_are_one_email(smtp, make_account, make_post, settings):
    settings.NOTIFY_EMAIL_TO = []
    account = make_account()
    posts = [make_post(account, content=f"Post number {n}") for n in range(3)]
    record(
        *(
            post_finalized_event(post=p, status="FAILED", accounts=[failed(account)], group_key="run-1")
            for p in posts
        )
    )
    record(
        post_finalized_event(
            post=make_post(account), status="FAILED", accounts=[failed(account)], group_key="run-2"
        )
    )

    # Another deliverer running meanwhile leaves the runs' emails waiting for the rest of each run...
    assert notifications_deliver(max_seconds=10).emails_sent == 0
    # ...and the run that ends sends its own group at once.
    assert notifications_deliver(max_seconds=10, group_key="run-1").emails_sent == 1
    (message,) = smtp.messages
    assert subject(message) == "[Scheduler] 3 publishing problems need your attention"
    body = message.get_content()
    for post in posts:
        assert f"/admin/calendar_app/scheduledpost/{post.pk}/change/" in body
    # The other run's email goes once its wait is over (its run died, say).
    EmailNotification.objects.filter(group_key="run-2").update(next_attempt_at=timezone.now())
    assert notifications_deliver(max_seconds=10).emails_sent == 1
    assert len(smtp.messages) == 2


def test_successes_are_not_emailed_by_default_but_can_be_chosen(
    smtp, make_account, make_post, author, settings
):
    settings.NOTIFY_EMAIL_TO = []
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="PUBLISHED", accounts=[published(account)]))
    notifications_deliver(max_seconds=10)
    assert smtp.messages == []

    NotificationPreference.objects.create(user=author, email_events=["post.published"])
    record(post_finalized_event(post=make_post(account), status="PUBLISHED", accounts=[published(account)]))
    notifications_deliver(max_seconds=10)
    (message,) = smtp.messages
    assert "was published" in subject(message)
    assert "published at https://www.linkedin.com/feed/update/" in message.get_content()


def test_preferences__a_person_who_opted_out_gets_nothing(
    smtp, make_account, make_post, author, django_user_model
):
    NotificationPreference.objects.create(user=author, email_events=[])
    # An operator address that belongs to a user follows that user's choices too.
    ops = django_user_model.objects.create_user(username="ops", email="OPS@example.com")
    NotificationPreference.objects.create(user=ops, email_events=["account.needs_reconnect"])
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=10)
    assert smtp.messages == []
    assert not EmailNotification.objects.exists()


def test_an_author_without_an_address_or_inactive_is_not_emailed(smtp, make_account, make_post, author):
    author.is_active = False
    author.save()
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=10)
    assert [rcpts for _, rcpts in smtp.envelopes] == [["ops@example.com"]]


def test_needs_review__says_what_to_check(smtp, make_account, make_post):
    account = make_account(platform="INSTAGRAM", name="acme.photos")
    post = make_post(account)
    result = AccountResult(account.pk, "INSTAGRAM", "acme.photos", "NEEDS_REVIEW", "UNKNOWN", "read timeout")
    record(post_account_needs_review_event(post=post, account=result))
    notifications_deliver(max_seconds=10)
    (message,) = smtp.to("author@example.com")
    assert subject(message).endswith("may or may not be on Instagram account acme.photos")
    assert "Check the account on the platform before retrying" in message.get_content()


def test_needs_reconnect__emails_the_owner_from_the_one_rule_that_marks_it(smtp, make_account):
    account = make_account(platform="TWITTER", name="@acme")
    social_account_mark_needs_reconnect(account_id=account.pk, rejected_access_token=account.access_token)
    notifications_deliver(max_seconds=10)
    (message,) = smtp.to("author@example.com")
    assert subject(message) == "[Scheduler] X (Twitter) account @acme needs reconnecting"
    body = message.get_content()
    assert "Reconnect it here: https://scheduler.example.com/social/connect/twitter/" in body
    assert account.access_token not in body and account.refresh_token not in body


def test_the_mail_server_down__emails_wait_and_go_later(site, make_account, make_post):
    from config.settings.base import mailer_from_url

    from ..servers import free_port
    from ..servers import smtp_server

    site.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{free_port()}", timeout=2)}
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))

    report = notifications_deliver(max_seconds=10)

    assert report.emails_sent == 0 and report.emails_failed == 2
    rows = list(EmailNotification.objects.all())
    assert all(row.status == DeliveryStatus.PENDING and row.next_attempt_at > timezone.now() for row in rows)
    assert all("ConnectionRefusedError" in row.last_error for row in rows)

    with smtp_server() as (inbox, port):
        site.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{port}", timeout=5)}
        EmailNotification.objects.update(next_attempt_at=timezone.now())
        assert notifications_deliver(max_seconds=10).emails_sent == 2
        assert len(inbox.messages) == 2


def test_a_refused_recipient_is_given_up_others_are_sent(smtp, make_account, make_post):
    smtp.refuse.add("author@example.com")
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    report = notifications_deliver(max_seconds=10)
    assert (report.emails_sent, report.emails_failed) == (1, 1)
    refused = EmailNotification.objects.get(recipient="author@example.com")
    assert refused.status == DeliveryStatus.FAILED
    assert [rcpts for _, rcpts in smtp.envelopes] == [["ops@example.com"]]


def test_an_email_failing_for_a_day_is_given_up(site, make_account, make_post):
    from config.settings.base import mailer_from_url

    from ..servers import free_port

    site.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{free_port()}", timeout=2)}
    account = make_account()
    record(post_finalized_event(post=make_post(account), status="FAILED", accounts=[failed(account)]))
    notifications_deliver(max_seconds=0.01)  # fan out only
    EmailNotification.objects.update(created_at=timezone.now() - timedelta(hours=25))
    notifications_deliver(max_seconds=10)
    assert set(EmailNotification.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}


def test_rolled_back_reconnect_marks_email_nobody(smtp, make_account):
    account = make_account()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(account_needs_reconnect_event(account=account, reason="revoked"))
        raise RuntimeError("rolled back")
    notifications_deliver(max_seconds=10)
    assert smtp.messages == []
