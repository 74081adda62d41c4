"""A newcomer's first run, for real: ``./dev start`` on a fresh database (the development server and the
publisher beside it, as the README says), then in Chromium: log in, connect a Sandbox account through its
consent page, schedule a post 5 seconds ahead, and see it on the Sandbox timeline and as published in the
admin. Nothing else is started by hand; Ctrl-C (SIGINT to the process group) stops everything.

The product runs in its own processes on its own SQLite file, so this test uses no test database. Like a
first ``./dev start``, it writes ``.env`` if the checkout has none (its values are not used here:
DJANGO_READ_DOT_ENV=0). ``UPDATE_DOCS_SCREENSHOTS=1`` also saves the timeline to docs/screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from .conftest import BROWSER_TIMEZONE
from .conftest import screenshot

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[2]
DOCS_SCREENSHOT = PROJECT / "docs" / "screenshots" / "sandbox-timeline.png"
PASSWORD = "first-run-" + secrets.token_urlsafe(8)
TEXT = "Hello from the Sandbox! Written once in the admin, sent by the publisher on time."
START_TIMEOUT = 180  # a cold start migrates a fresh database
PUBLISH_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DevStart:
    """``./dev start`` in a process group of its own; its output collected as it comes."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "DJANGO_READ_DOT_ENV": "0",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ENCRYPTION_KEY": secrets.token_hex(32),
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            ["./dev", "start", f"127.0.0.1:{self.port}"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"./dev start exited early:\n{self.output}"
            try:
                if requests.get(f"{self.url}/admin/login/", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"./dev start did not serve within {START_TIMEOUT} s:\n{self.output}")

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole process group, as a terminal sends it; the exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def dev_start(tmp_path) -> Iterator[DevStart]:
    if not os.access(PROJECT / ".venv" / "bin" / "python", os.X_OK):
        pytest.skip("./dev start runs the checkout's .venv: run the tests through ./dev test")
    started = DevStart(tmp_path)
    try:
        yield started
    finally:
        if started.process.poll() is None:
            started.kill()


def test_first_run__connect_schedule_and_see_the_post_on_the_sandbox_timeline(
    dev_start: DevStart, browser: Browser
):
    dev_start.wait_until_serving()
    site = dev_start.url
    # After the admin link, the three steps of a first run, with their addresses.
    admin_line = next(
        index for index, line in enumerate(dev_start.lines) if f"Log in at {site}/admin/" in line
    )
    steps = dev_start.lines[admin_line + 2 : admin_line + 5]
    assert [re.search(r"http://\S+", line)[0] for line in steps] == [
        f"{site}/social/connect/sandbox/",
        f"{site}/admin/calendar_app/scheduledpost/add/",
        f"{site}/sandbox/",
    ], dev_start.output

    context = browser.new_context(
        base_url=site, timezone_id=BROWSER_TIMEZONE, locale="en-US", viewport={"width": 1100, "height": 420}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        post_id = connect_and_schedule(page)
        timeline_id = see_it_on_the_timeline(page)
        see_it_published_in_the_admin(page, post_id, timeline_id)
    finally:
        context.close()

    assert dev_start.interrupt() in (0, 130), dev_start.output
    assert running_in_group(dev_start.process.pid) == [], "the server or the publisher outlived Ctrl-C"
    assert "Stopped: nothing in flight, nothing held" in dev_start.output


def running_in_group(pgid: int, *, wait_seconds: float = 15) -> list[str]:
    """The processes of a process group still running (not yet exited), after waiting a little for them."""
    deadline = time.monotonic() + wait_seconds
    while True:
        running = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            state, group = fields[0], int(fields[2])
            if group == pgid and state != "Z":  # a zombie has exited; only its parent has not collected it
                running.append(stat.parent.name)
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


def connect_and_schedule(page: Page) -> str:
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto("/admin/social/socialaccount/")
    page.get_by_role("link", name="Connect Sandbox account").click()
    page.wait_for_url("**/sandbox/oauth/authorize/**")
    expect(page.locator("h1")).to_have_text("Allow Social Scheduler to post as …")
    page.fill("#id_new_handle", "acme")
    page.fill("#id_new_display_name", "Acme")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("**/admin/social/socialaccount/")
    expect(page.locator(".messagelist")).to_contain_text("Connected Sandbox: Acme (Sandbox).")

    page.goto("/admin/calendar_app/scheduledpost/add/")
    expect(page.locator("#id_timezone")).to_have_value(BROWSER_TIMEZONE)
    page.fill("#id_content", TEXT)
    page.get_by_label("Acme (Sandbox)").check()
    due = datetime.now(ZoneInfo(BROWSER_TIMEZONE)) + timedelta(seconds=5)
    if due.second == 0:  # the browser would write a whole minute without its seconds
        due += timedelta(seconds=1)
    page.fill("#id_scheduled_local", due.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    link = page.locator("#result_list tbody tr").first.locator("th a")
    return re.search(r"/scheduledpost/(\d+)/change/", link.get_attribute("href"))[1]


def see_it_on_the_timeline(page: Page) -> str:
    page.goto("/sandbox/acme/")  # reloads itself every 5 s: the post appears when the publisher sent it
    post = page.locator(".sandbox-post").first
    expect(post.locator(".sandbox-post-text")).to_have_text(TEXT, timeout=PUBLISH_TIMEOUT_MS)
    expect(post.locator(".sandbox-post-record")).to_contain_text(
        "Recorded by the scheduler", timeout=PUBLISH_TIMEOUT_MS
    )
    expect(post.locator("time")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T$"))
    expect(page.locator(".sandbox-badge").first).to_have_text("Sandbox")
    page.wait_for_timeout(300)  # let the images and fonts settle for the picture
    saved = screenshot(page, "sandbox-timeline.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(saved, DOCS_SCREENSHOT)
    return post.locator(".sandbox-post-id").inner_text()


def see_it_published_in_the_admin(page: Page, post_id: str, timeline_id: str) -> None:
    page.goto("/admin/calendar_app/scheduledpost/")
    expect(page.locator("#result_list tbody tr").first).to_contain_text("Published")
    page.goto(f"/admin/calendar_app/scheduledpost/{post_id}/change/")
    # The post's page names the id the publisher recorded: the one on the timeline.
    expect(page.locator("body")).to_contain_text(timeline_id)
