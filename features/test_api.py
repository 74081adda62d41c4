"""The scenarios of api.feature: a script speaking HTTP to a live server (urllib, with a real timeout),
the real API, services and database, the real publisher; X simulated at the wire."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from pytest_bdd import given
from pytest_bdd import parsers
from pytest_bdd import scenarios
from pytest_bdd import then
from pytest_bdd import when

from api.tokens import api_token_create
from calendar_app.models import ScheduledPost

from .story import Story

# The live server answers on its own threads, with its own database connections.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("api.feature")


@dataclass
class Script:
    """What the integrator's script sent and got back."""

    token: str = ""
    last_request: tuple[str, dict, str] | None = None
    answers: list[tuple[int, dict, dict]] = field(default_factory=list)
    timed_out: bool = False


@pytest.fixture
def script() -> Script:
    return Script()


def send(live_server, script: Script, body: dict, key: str, timeout: float) -> None:
    request = urllib.request.Request(  # noqa: S310 (the live server's http:// URL)
        f"{live_server.url}/api/v1/posts",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {script.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    script.last_request = ("/api/v1/posts", body, key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our live server)
            script.answers.append((response.status, dict(response.headers), json.loads(response.read())))
    except urllib.error.HTTPError as error:
        script.answers.append((error.code, dict(error.headers), json.loads(error.read())))
    except TimeoutError:
        script.timed_out = True


@given(parsers.parse('the author has an API token with the scopes "{scopes}"'))
def _(scopes: str, author, script: Script) -> None:
    author.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_scheduledpost", "change_scheduledpost"])
    )
    script.token = api_token_create(user=author, name="CMS", scopes=scopes.split(",")).plaintext


@given(parsers.parse("the scheduler takes {seconds:d} seconds to save a post"))
def _(seconds: int, monkeypatch) -> None:
    from api.endpoints import posts

    real = posts.post_create

    def slow(**kwargs):
        time.sleep(seconds)
        return real(**kwargs)

    monkeypatch.setattr(posts, "post_create", slow)


@when(
    parsers.re(
        r'a script schedules "(?P<text>[^"]+)" to "(?P<name>[^"]+)" in (?P<minutes>\d+) minutes with the '
        r'Idempotency-Key "(?P<key>[^"]+)"(?:, giving up after (?P<timeout>[\d.]+) seconds)?$'
    )
)
def _(
    text: str,
    name: str,
    minutes: str,
    key: str,
    timeout: str | None,
    story: Story,
    script: Script,
    live_server,
):
    body = {
        "accounts": [story.accounts[name].pk],
        "text": text,
        "scheduled_at": (timezone.now() + timedelta(minutes=int(minutes))).isoformat(),
        "timezone": "Europe/Paris",
    }
    send(live_server, script, body, key, float(timeout) if timeout else 10)


@when("the script sends the same request again")
def _(script: Script, live_server) -> None:
    _path, body, key = script.last_request
    send(live_server, script, body, key, 10)


@then("the script's request timed out")
def _(script: Script) -> None:
    assert script.timed_out and not script.answers


@then("the script gets the post, answered 201 and marked as a replay")
def _(script: Script, story: Story) -> None:
    status, headers, body = script.answers[-1]
    assert status == 201, body
    assert headers.get("Idempotent-Replayed") == "true"
    post = ScheduledPost.objects.get(pk=body["id"])
    assert body["text"] == post.content and body["accounts"][0]["status"] == "PENDING"
    story.posts[post.content] = story.post = post


@then(parsers.parse('the script is refused with {status:d} "{problem}"'))
def _(status: int, problem: str, script: Script) -> None:
    answer_status, headers, body = script.answers[-1]
    assert answer_status == status and headers["Content-Type"].startswith("application/problem+json")
    assert body["type"].endswith(f"#problem-{problem}"), body


@then(parsers.parse('one post "{text}" exists'))
def _(text: str, story: Story) -> None:
    assert ScheduledPost.objects.count() == 1
    story.posts[text] = story.post = ScheduledPost.objects.get(content=text)


@then(parsers.parse('no post "{text}" exists'))
def _(text: str) -> None:
    assert not ScheduledPost.objects.filter(content=text).exists()
