"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from ..calendar_app.factories import fake_clients_registered

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The browser's own time zone: what the admin must show times in.
BROWSER_TIMEZONE = "America/New_York"


@pytest.fixture(scope="module")
def browser() -> Browser:
    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM calls next to a
    # running loop unless told it is safe (it is: the tests and the live server use separate threads).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server) -> Page:
    context = browser.new_context(
        base_url=live_server.url,
        timezone_id=BROWSER_TIMEZONE,
        locale="en-US",
        viewport={"width": 1440, "height": 1000},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def fake_clients():
    with fake_clients_registered():
        yield


def password_of(username: str) -> str:
    """The password of a browser test's user: derived from its name, so no test module keeps one."""
    return f"pw-{username}-1"


def make_superuser(django_user_model, username: str):
    return django_user_model.objects.create_superuser(username=username, password=password_of(username))


def log_in(page: Page, username: str, password: str | None = None) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or password_of(username))
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
