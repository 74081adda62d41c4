"""Facebook Pages and Instagram business accounts: the exchange, then the picker."""

from __future__ import annotations

import pytest
from responses import matchers

from social.models import Platform
from social.models import SocialAccount

from .connecting import ACCOUNT_LIST
from .connecting import finish
from .connecting import identity
from .connecting import page_text
from .connecting import start
from .fakes import FB_GRAPH
from .fakes import PAGE_TOKENS
from .fakes import expect_facebook_connect
from .fakes import expect_instagram_connect
from .fakes import make_account

pytestmark = pytest.mark.django_db


# --- Facebook Pages and Instagram business accounts: exchange, then pick ---------------------------------


def test_callback__facebook_gets_a_long_lived_token_then_offers_the_pages(staff_client, staff_user, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)

    response = finish(staff_client, "facebook", params)

    assert response.status_code == 302
    assert response["Location"] == "/social/connect/facebook/pick/"
    assert SocialAccount.objects.count() == 0  # nothing stored before the person picks

    picker = staff_client.get("/social/connect/facebook/pick/")
    body = page_text(picker)
    assert picker.status_code == 200
    assert 'value="1001"' in body and "Corner Bakery" in body
    assert 'value="1002"' in body and "Harbour Cafe" in body
    assert all(token not in body for token in PAGE_TOKENS.values())

    response = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1002"]})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_LIST
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.FACEBOOK, "1002", "Harbour Cafe")
    assert account.access_token == PAGE_TOKENS["1002"]
    assert (account.refresh_token, account.token_expires_at, account.extra) == ("", None, {})
    assert account.owner == staff_user
    # The stash is gone once used: the same pick cannot be posted twice.
    again = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1001"]})
    assert again.status_code == 400
    assert SocialAccount.objects.count() == 1


def test_pick__several_pages_at_once_and_an_already_connected_one_is_marked(staff_client, staff_user, mocked):
    existing = make_account(staff_user, platform=Platform.FACEBOOK, external_id="1001", name="Bakery (old)")
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)
    finish(staff_client, "facebook", params)

    picker = staff_client.get("/social/connect/facebook/pick/")
    assert "Corner Bakery (already connected: its tokens will be replaced)" in page_text(picker)

    staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1001", "1002"]})

    accounts = {account.external_id: account for account in SocialAccount.objects.all()}
    assert set(accounts) == {"1001", "1002"}
    assert accounts["1001"].pk == existing.pk
    assert accounts["1001"].name == "Corner Bakery"
    assert accounts["1001"].access_token == PAGE_TOKENS["1001"]
    assert accounts["1001"].refresh_token == ""


def test_pick__nothing_chosen_is_a_form_error_and_nothing_is_stored(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)
    finish(staff_client, "facebook", params)

    response = staff_client.post("/social/connect/facebook/pick/", {})

    assert response.status_code == 200
    assert "Pick at least one account to connect." in page_text(response)
    assert SocialAccount.objects.count() == 0
    # A page that is not on offer cannot be smuggled in either.
    response = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["9999"]})
    assert "Select a valid choice" in page_text(response)
    assert SocialAccount.objects.count() == 0


def test_pick__without_a_callback_first_says_so(staff_client):
    response = staff_client.get("/social/connect/facebook/pick/")

    assert response.status_code == 400
    assert "no list of accounts to pick from" in page_text(response)


def test_pick__platforms_with_one_account_have_no_picker(staff_client):
    assert staff_client.get("/social/connect/twitter/pick/").status_code == 404


def test_callback__instagram_offers_only_pages_with_a_business_account(staff_client, mocked):
    params = start(staff_client, "instagram")
    expect_instagram_connect(mocked)
    finish(staff_client, "instagram", params)

    picker = page_text(staff_client.get("/social/connect/instagram/pick/"))
    assert 'value="17841400000000001"' in picker and "cornerbakery" in picker
    assert "Harbour Cafe" not in picker

    staff_client.post("/social/connect/instagram/pick/", {"accounts": ["17841400000000001"]})

    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.INSTAGRAM, "17841400000000001", "cornerbakery")
    assert account.access_token == PAGE_TOKENS["1001"]  # publishing uses the Page's token
    assert account.extra == {"page_id": "1001"}
    assert account.token_expires_at is None


def test_callback__facebook_user_without_pages_is_told_so(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked, pages=[])

    response = finish(staff_client, "facebook", params)

    assert response.status_code == 200
    assert "Facebook shared no Page with this app" in page_text(response)
    assert "social:oauth:FACEBOOK:choices" not in staff_client.session


def test_callback__facebook_pages_are_read_across_result_pages(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked, pages=[{"id": "1001", "name": "Corner Bakery", "access_token": "EAA1"}])
    # The first answer says there is more; the registered answer above has no "next", so replace it.
    mocked.replace(
        "GET",
        f"{FB_GRAPH}/me/accounts",
        match=[matchers.query_param_matcher({"fields": "id,name,access_token", "limit": "100"})],
        json={
            "data": [{"id": "1001", "name": "Corner Bakery", "access_token": "EAA1"}],
            "paging": {"cursors": {"after": "CURSOR2"}, "next": f"{FB_GRAPH}/me/accounts?after=CURSOR2"},
        },
    )
    mocked.get(
        f"{FB_GRAPH}/me/accounts",
        match=[
            matchers.query_param_matcher(
                {"fields": "id,name,access_token", "limit": "100", "after": "CURSOR2"}
            )
        ],
        json={"data": [{"id": "1002", "name": "Harbour Cafe", "access_token": "EAA2"}], "paging": {}},
    )

    finish(staff_client, "facebook", params)

    picker = page_text(staff_client.get("/social/connect/facebook/pick/"))
    assert 'value="1001"' in picker and 'value="1002"' in picker
