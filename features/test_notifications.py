"""The scenarios of notifications.feature: the real command, health check, admin, a real SMTP server
(aiosmtpd) and a real webhook receiver verifying Standard Webhooks signatures, both on loopback."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from config.settings.base import mailer_from_url
from notifications.models import DeliveryStatus
from notifications.models import WebhookDelivery
from notifications.models import WebhookEndpoint
from notifications.services import webhook_secret_generate
from tests.notifications.servers import SmtpInbox
from tests.notifications.servers import smtp_server
from tests.notifications.servers import webhook_receiver

from .platforms import SimulatedPlatforms
from .run_steps import run_publisher
from .story import Story

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("notifications.feature")

POST_EVENTS = ["post.published", "post.partially_published", "post.failed", "post_account.needs_review"]


@pytest.fixture
def mail():
    """What the mail server received, and which of it the scenario has read."""
    with smtp_server() as (inbox, port):
        yield {"inbox": inbox, "port": port, "read": 0, "last": None}


@pytest.fixture
def hooks(settings):
    """A receiver that answers 503 while ``down`` (a list, so steps can flip it)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on this machine
    state = {"down": [False]}
    with webhook_receiver(
        webhook_secret_generate(), answer=lambda n: (503 if state["down"][0] else 200, {}, 0.0)
    ) as receiver:
        state["receiver"] = receiver
        yield state


def new_emails(mail, address: str) -> list:
    return [message for message in mail["inbox"].messages[mail["read"] :] if address in message["To"]]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- given ---------------------------------------------------------------------------------------------


@given(parsers.parse('the mail server is running and the scheduler is at "{site}"'))
def _(site: str, mail, settings) -> None:
    settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{mail['port']}", timeout=5)}
    settings.SITE_URL = site
    settings.DEFAULT_FROM_EMAIL = "scheduler@example.com"


@given(parsers.parse('the author\'s email address is "{address}"'))
def _(address: str, author) -> None:
    author.email = address
    author.save(update_fields=["email"])


@given(parsers.parse('"{address}" is told about every failure'))
def _(address: str, settings) -> None:
    settings.NOTIFY_EMAIL_TO = [address]


@given(parsers.parse("the publisher counts as stalled when due posts wait {seconds:d} seconds"))
def _(seconds: int, settings) -> None:
    settings.PUBLISH_STALL_AFTER = seconds


@given("the publisher runs")
def _(story: Story, platforms: SimulatedPlatforms) -> None:
    run_publisher(story, platforms)


@given("the publisher stops: no run from now on")
def _() -> None:
    """Its cron line is gone (or its --watch process died): nothing runs it unless a step says so."""


@given("a webhook receiver of post events, that answers 503 for now")
def _(hooks) -> None:
    hooks["down"][0] = True
    receiver = hooks["receiver"]
    WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret, events=POST_EVENTS)


# --- when ----------------------------------------------------------------------------------------------


@when("the receiver is back up")
def _(hooks) -> None:
    hooks["down"][0] = False


# --- then: email ---------------------------------------------------------------------------------------


@then(parsers.re(r'"(?P<address>[^"]+)" receives one email, (?:about|saying) "(?P<words>[^"]+)"$'))
def _(address: str, words: str, mail) -> None:
    [message] = new_emails(mail, address)
    assert words in message["Subject"], message["Subject"]
    mail["read"] = len(mail["inbox"].messages)
    mail["last"] = message


@then(parsers.parse('"{address}" has received no email'))
def _(address: str, mail) -> None:
    inbox: SmtpInbox = mail["inbox"]
    assert inbox.to(address) == []


@then(parsers.parse('the email says "{account}" and why in plain words: "{reason}"'))
def _(account: str, reason: str, mail) -> None:
    body = text_of(mail["last"])
    assert account in body and reason in body, body


@then(parsers.parse('the email quotes the platform: "{words}"'))
def _(words: str, mail) -> None:
    assert "The platform said: " in text_of(mail["last"]) and words in text_of(mail["last"])


@then("the email links the post's page in the admin")
def _(mail, story: Story, settings) -> None:
    link = f"{settings.SITE_URL}/admin/calendar_app/scheduledpost/{story.the_post().pk}/change/"
    assert link in text_of(mail["last"])


# --- then: health --------------------------------------------------------------------------------------


@then(
    parsers.re(
        r'the health check answers (?P<code>\d+) "(?P<status>\w+)" with '
        r"(?:(?P<due>\d+) posts? due for (?P<minutes>\d+) minutes|nothing due)$"
    ),
    converters={"code": int},
)
def _(code: int, status: str, due: str | None, minutes: str | None) -> None:
    response = Client().get("/healthz")  # an uptime monitor: no login, no secret
    body = response.json()
    assert (response.status_code, body["status"]) == (code, status), body
    assert body["due_unsent"] == int(due or 0)
    if minutes is None:
        assert body["oldest_due_seconds"] is None
    else:
        assert int(minutes) * 60 <= body["oldest_due_seconds"] < int(minutes) * 60 + 30, body


@then(parsers.parse('check_publisher prints "{start}" and exits {code:d}'))
def _(start: str, code: int) -> None:
    output = StringIO()
    try:
        call_command("check_publisher", stdout=output)
        exited = 0
    except SystemExit as exc:
        exited = exc.code
    [line] = output.getvalue().splitlines()
    assert line.startswith(start) and exited == code, (line, exited)


@then(parsers.parse('the admin home page says "{words}"'))
def _(words: str, django_user_model) -> None:
    staff = django_user_model.objects.create_superuser(username="ops", password="pw-ops-1")
    client = Client()
    client.force_login(staff)
    assert words in client.get("/admin/").content.decode()


# --- then: webhooks ------------------------------------------------------------------------------------


@then(parsers.parse('the receiver was sent "{event_type}" once and answered 503'))
def _(event_type: str, hooks) -> None:
    [sent] = hooks["receiver"].received
    assert sent.verified and sent.payload["type"] == event_type
    hooks["first_id"] = sent.headers["webhook-id"]


@then(parsers.parse('the receiver has still been sent "{event_type}" only once'))
def _(event_type: str, hooks) -> None:
    assert [item.payload["type"] for item in hooks["receiver"].received] == [event_type]


def the_delivery(*, status: str, response_status: int, attempts: int) -> WebhookDelivery:
    """The one webhook delivery, as its log shows it: its status, the receiver's last answer, the tries."""
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.attempt_count) == (
        status,
        response_status,
        attempts,
    )
    return delivery


@then("the delivery log shows the failed try and the next one planned")
def _() -> None:
    delivery = the_delivery(status=DeliveryStatus.PENDING, response_status=503, attempts=1)
    assert delivery.attempts.get().response_status == 503
    assert delivery.next_attempt_at > delivery.attempts.get().started_at


@then(
    parsers.parse(
        'the receiver got "{event_type}" for "{text}", signed, with the webhook-id of the first try'
    )
)
def _(event_type: str, text: str, hooks, story: Story) -> None:
    first, second = hooks["receiver"].received
    assert second.verified, "the standardwebhooks verifier accepted the signature"
    assert second.payload["type"] == event_type
    assert second.payload["data"]["post_id"] == story.posts[text].pk
    assert re.fullmatch(r"[0-9a-f-]{36}", second.headers["webhook-id"])
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == hooks["first_id"]


@then("the delivery log shows it delivered")
def _() -> None:
    the_delivery(status=DeliveryStatus.DELIVERED, response_status=200, attempts=2)
