"""Connecting Facebook Pages in a real browser: admin login, Facebook's consent (faked at the browser's
network layer), the callback, the Page picker form, and the admin's account list."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright

from social.models import Platform
from social.models import SocialAccount

from .fakes import CODE
from .fakes import PAGE_TOKENS
from .fakes import expect_facebook_connect
from .fakes import query

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def consent_and_return(route) -> None:
    """Facebook's login dialog: the person says yes, and Facebook sends the browser back with a code."""
    params = query(route.request.url)
    back = f"{params['redirect_uri']}?{urlencode({'code': CODE, 'state': params['state']})}"
    route.fulfill(status=302, headers={"Location": back})


def test_browser__staff_connects_two_facebook_pages(live_server, staff_user, oauth_apps, mocked):
    expect_facebook_connect(mocked, base=live_server.url)  # the server's calls to the Graph API
    # Playwright's sync API runs an event loop: the ORM is used only once it has finished.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            connect_two_pages(browser.new_page(), live_server.url)
        finally:
            browser.close()

    stored = {account.external_id: account.access_token for account in SocialAccount.objects.all()}
    assert stored == PAGE_TOKENS
    assert set(SocialAccount.objects.values_list("platform", flat=True)) == {Platform.FACEBOOK}


def connect_two_pages(page, base_url: str) -> None:
    page.set_default_timeout(10_000)
    page.route("https://www.facebook.com/**", consent_and_return)

    page.goto(f"{base_url}/admin/login/?next=/social/connect/facebook/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "pw-staff-1")
    page.click("input[type=submit]")

    page.wait_for_url(f"{base_url}/social/connect/facebook/pick/")
    assert page.locator("h1").inner_text() == "Choose the Facebook Pages to connect"
    assert page.locator("#site-name").count() == 1  # inside the admin's frame
    html = page.content()
    assert all(token not in html for token in PAGE_TOKENS.values())

    page.click("input[type=submit]")  # nothing chosen yet
    assert "Pick at least one account to connect." in page.locator(".errornote").inner_text()

    page.get_by_label("Corner Bakery").check()
    page.get_by_label("Harbour Cafe").check()
    page.click("input[type=submit]")

    page.wait_for_url(f"{base_url}/admin/social/socialaccount/")
    message = page.locator(".messagelist").inner_text()
    assert "Connected Facebook Page: Corner Bakery, Facebook Page: Harbour Cafe." in message
