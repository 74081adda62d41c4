"""Personal API tokens: made once, stored hashed, checked in constant time, revoked, expired; the command
and the admin that make them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from api.models import ApiToken
from api.tokens import api_token_authenticate
from api.tokens import api_token_create
from api.tokens import api_token_revoke
from api.tokens import api_token_touch
from api.tokens import token_hash

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import make_token

pytestmark = pytest.mark.django_db


def test_api_token_create__only_the_hash_is_stored(author):
    created = api_token_create(user=author, name="CMS", scopes=["write", "read"])
    assert created.plaintext.startswith(f"sched_{created.token.key_id}_")
    assert len(created.plaintext) > 50
    row = ApiToken.objects.get(pk=created.token.pk)
    assert row.token_hash == token_hash(created.plaintext) != created.plaintext
    assert row.scopes == ["read", "write"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        assert created.plaintext not in repr(cursor.fetchall())
    assert created.plaintext not in repr(row) + str(row)


def test_api_token_create__refuses_unknown_scopes_and_past_expiry(author):
    with pytest.raises(ValidationError, match="Unknown scope 'admin'"):
        api_token_create(user=author, name="x", scopes=["read", "admin"])
    with pytest.raises(ValidationError, match="at least one scope"):
        api_token_create(user=author, name="x", scopes=[])
    with pytest.raises(ValidationError, match="future"):
        api_token_create(user=author, name="x", scopes=["read"], expires_at=timezone.now())


def test_api_token_authenticate__valid_wrong_revoked_expired_inactive(author):
    created = api_token_create(user=author, name="x", scopes=["read"])
    assert api_token_authenticate(created.plaintext) == created.token
    key_prefix = created.plaintext.rsplit("_", 1)[0]
    for wrong in (
        created.plaintext[:-1] + ("A" if created.plaintext[-1] != "A" else "B"),
        f"{key_prefix}_",
        "sched_short_x",
        "Bearer " + created.plaintext,
        "",
    ):
        assert api_token_authenticate(wrong) is None, wrong
    expiring = api_token_create(
        user=author, name="e", scopes=["read"], expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expiring.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(expiring.plaintext) is None
    assert api_token_revoke(token_id=created.token.pk) is True
    assert api_token_revoke(token_id=created.token.pk) is False
    assert api_token_authenticate(created.plaintext) is None
    third = api_token_create(user=author, name="i", scopes=["read"])
    author.is_active = False
    author.save()
    assert api_token_authenticate(third.plaintext) is None


def test_api_token_touch__writes_at_most_once_a_minute(author, django_assert_num_queries):
    token = api_token_create(user=author, name="x", scopes=["read"]).token
    now = timezone.now()
    with django_assert_num_queries(1):
        api_token_touch(token=token, now=now)
    with django_assert_num_queries(0):
        api_token_touch(token=token, now=now + timedelta(seconds=59))
    with django_assert_num_queries(1):
        api_token_touch(token=token, now=now + timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == now + timedelta(seconds=61)


def test_a_request_records_last_use_and_a_revoked_token_is_refused_at_once(author):
    plaintext = make_token(author, scopes=["read"])
    client = ApiClient(plaintext)
    assert client.get("/api/v1/accounts").status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    api_token_revoke(token_id=token.pk)
    assert_problem(client.get("/api/v1/accounts"), 401)


def test_create_api_token__prints_the_token_once_on_stdout(author):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "author",
        "--scopes",
        "read,publish",
        "--expires-in-days",
        "30",
        stdout=out,
        stderr=err,
    )
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.token_hash == token_hash(plaintext)
    assert token.scopes == ["read", "publish"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert plaintext not in err.getvalue()
    assert "not shown again" in err.getvalue()
    assert ApiClient(plaintext).get("/api/v1/accounts").status_code == 200


def test_create_api_token__one_line_errors(author):
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("create_api_token", "nobody")
    with pytest.raises(CommandError, match="Unknown scope 'delete'"):
        call_command("create_api_token", "author", "--scopes", "read,delete")
    with pytest.raises(CommandError, match="--expires-in-days"):
        call_command("create_api_token", "author", "--expires-in-days", "0")
    assert not ApiToken.objects.exists()


def test_admin__the_token_is_shown_once_then_only_its_prefix(admin_client, author):
    response = admin_client.post(
        "/admin/api/apitoken/add/",
        {
            "user": author.pk,
            "name": "Zapier",
            "scope_choices": ["read", "write"],
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    page = response.content.decode()
    start = page.index("sched_")
    plaintext = page[start : page.index("<", start)]
    assert token.token_hash == token_hash(plaintext)
    assert token.scopes == ["read", "write"]
    for url in ("/admin/api/apitoken/", f"/admin/api/apitoken/{token.pk}/change/"):
        shown = admin_client.get(url).content.decode()
        assert f"sched_{token.key_id}_" in shown
        assert plaintext not in shown and token.token_hash not in shown
    admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_problem(ApiClient(plaintext).get("/api/v1/accounts"), 401)


def test_admin__staff_make_and_see_only_their_own_tokens(client, author, django_user_model):
    from .conftest import grant

    staff = grant(
        django_user_model.objects.create_user(username="staffer", is_staff=True),
        "add_apitoken",
        "view_apitoken",
        "change_apitoken",
    )
    boss = django_user_model.objects.create_superuser(username="boss", password="pw-boss-123")
    api_token_create(user=boss, name="Boss token", scopes=["read"])
    client.force_login(staff)
    refused = client.post(
        "/admin/api/apitoken/add/",
        {
            "user": boss.pk,
            "name": "Act as boss",
            "scope_choices": ["read"],
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not ApiToken.objects.filter(name="Act as boss").exists()
    assert "Boss token" not in client.get("/admin/api/apitoken/").content.decode()
    made = client.post(
        "/admin/api/apitoken/add/",
        {"user": staff.pk, "name": "Mine", "scope_choices": ["read"], "expires_at_0": "", "expires_at_1": ""},
    )
    assert made.status_code == 200 and ApiToken.objects.get(name="Mine").user == staff
