"""Accounts: the user's own, everyone's with social.view_socialaccount; another's is 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccountStatus
from social.platforms.mastodon import DEFAULT_MAX_CHARACTERS
from social.platforms.mastodon.limits import ServerLimits

from .conftest import ApiClient
from .conftest import assert_problem
from .conftest import grant
from .conftest import make_account
from .conftest import make_token

pytestmark = pytest.mark.django_db


def test_account_list__own_accounts_with_status_and_limits(api, author, other_user):
    mine = make_account(author, Platform.TWITTER, name="Brand X")
    broken = make_account(author, Platform.LINKEDIN, status=SocialAccountStatus.NEEDS_RECONNECT)
    make_account(other_user, Platform.TWITTER, name="Not mine")
    body = api.get("/api/v1/accounts").json()
    assert [item["id"] for item in body["items"]] == [mine.pk, broken.pk]
    first = body["items"][0]
    assert first["name"] == "Brand X" and first["platform_name"] == "X" and first["status"] == "ACTIVE"
    assert first["limits"]["text_length"] == 280
    assert first["created_at"].endswith("+00:00")
    linkedin = api.get(f"/api/v1/accounts/{broken.pk}").json()
    assert linkedin["status"] == "NEEDS_RECONNECT"
    assert "visibility" in [option["key"] for option in linkedin["limits"]["options"]]
    assert "access" not in str(body).lower().replace("access_token", "")  # no token in any form
    only_linkedin = api.get("/api/v1/accounts", {"platform": "LINKEDIN"}).json()["items"]
    assert [item["id"] for item in only_linkedin] == [broken.pk]


def test_account_read__a_mastodon_account_reports_its_server_s_text_length(api, author):
    server = ServerLimits(max_characters=5000, fetched_at=timezone.now())
    big = make_account(
        author, Platform.MASTODON, extra={"server_url": "https://big.example", "instance": server.as_extra()}
    )
    never_read = make_account(author, Platform.MASTODON, extra={"server_url": "https://new.example"})
    assert api.get(f"/api/v1/accounts/{big.pk}").json()["limits"]["text_length"] == 5000
    assert (
        api.get(f"/api/v1/accounts/{never_read.pk}").json()["limits"]["text_length"] == DEFAULT_MAX_CHARACTERS
    )


def test_account_read__another_users_account_is_404_like_a_missing_one(api, other_user):
    theirs = make_account(other_user)
    missing = assert_problem(api.get("/api/v1/accounts/999999"), 404)
    hidden = assert_problem(api.get(f"/api/v1/accounts/{theirs.pk}"), 404)
    assert missing["detail"].replace("999999", "N") == hidden["detail"].replace(str(theirs.pk), "N")


def test_account_list__view_permission_sees_the_teams_accounts(django_user_model, author, other_user):
    lead = grant(django_user_model.objects.create_user(username="lead"), "view_socialaccount")
    theirs = make_account(other_user)
    client = ApiClient(make_token(lead))
    assert client.get(f"/api/v1/accounts/{theirs.pk}").status_code == 200


def test_account_list__pages(api, author):
    accounts = [make_account(author) for _ in range(5)]
    first = api.get("/api/v1/accounts", {"limit": 2}).json()
    second = api.get("/api/v1/accounts", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("/api/v1/accounts", {"limit": 2, "cursor": second["next_cursor"]}).json()
    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert ids == [account.pk for account in accounts]
    assert third["next_cursor"] is None
    assert_problem(api.get("/api/v1/accounts", {"cursor": "made-up"}), 422)
