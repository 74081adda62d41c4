"""The browser reports its time zone from the first admin page on, and both apps' pages show times in it."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from calendar_app.timezones import VIEWER_TIMEZONE_COOKIE
from social.models import Platform

from ..calendar_app.factories import make_account
from .conftest import BROWSER_TIMEZONE
from .conftest import log_in
from .conftest import make_superuser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_viewer_timezone__learnt_at_login_and_used_on_the_social_accounts_page(page: Page, django_user_model):
    staff = make_superuser(django_user_model, "tz-staff")
    # 15:00 UTC in January is 10:00 in New York (EST).
    make_account(
        staff,
        platform=Platform.TWITTER,
        name="@acme",
        token_expires_at=datetime(2031, 1, 15, 15, 0, tzinfo=UTC),
    )

    page.goto("/admin/login/")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert cookies[VIEWER_TIMEZONE_COOKIE] == BROWSER_TIMEZONE

    log_in(page, "tz-staff")
    page.goto("/admin/social/socialaccount/")
    expect(page.locator("td.field-token_expiry")).to_have_text("2031-01-15 10:00 EST")
