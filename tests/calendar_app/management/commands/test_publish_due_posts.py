from __future__ import annotations

import logging
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError
from django.core.management import call_command

from calendar_app.models import PostStatus
from tests.fakes import fail
from tests.subprocesses import subprocess_env

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(django_settings.BASE_DIR)


def publish(*args: str) -> str:
    out = StringIO()
    call_command("publish_due_posts", *args, stdout=out)
    return out.getvalue()


def test_command__prints_the_summary_and_logs_each_failed_account(
    fake_platform, make_account, make_post, caplog
):
    x, linkedin = make_account("TWITTER", name="brand"), make_account("LINKEDIN", name="company")
    make_post(x, linkedin)
    make_post(x)
    fake_platform.will(linkedin, fail("INVALID", "422 commentary too long"))
    caplog.set_level(logging.INFO, logger="calendar_app")

    out = publish("--concurrency", "1")

    assert out == "Processed 2 posts: 1 succeeded, 1 partial, 0 failed, 0 retrying, 0 needs review\n"
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures == [
        f"Post {linkedin.post_accounts.get().post_id} -> LinkedIn: company: INVALID: 422 commentary too long"
    ]


def test_command__options_reach_the_run(fake_platform, make_account, make_post):
    account = make_account()
    first, second = make_post(account), make_post(account)

    out = publish("--limit", "1", "--concurrency", "1", "--max-seconds", "30")

    assert out.startswith("Processed 1 posts: 1 succeeded")
    statuses = {p.pk: p.status for p in type(first).objects.filter(pk__in=[first.pk, second.pk])}
    assert sorted(statuses.values()) == [PostStatus.PUBLISHED, PostStatus.SCHEDULED]


def test_command__dry_run_prints_each_account_and_claims_nothing(fake_platform, make_account, make_post):
    account = make_account("TWITTER", name="brand")
    post = make_post(account, content="x" * 300)

    out = publish("--dry-run")

    assert f"Post {post.pk}: due" in out
    assert "-> X (Twitter): brand:" in out
    assert "problem: FakeTwitter: 300 characters, the limit is 280" in out
    assert out.endswith("Processed 0 posts: 0 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review\n")
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert fake_platform.calls == []


@pytest.mark.parametrize(
    "args",
    [
        ("--limit", "0"),
        ("--limit", "1.5"),
        ("--concurrency", "-2"),
        ("--max-seconds", "abc"),
        ("--max-seconds", "0"),
    ],
)
def test_command__bad_options_are_refused(args, make_account, make_post):
    post = make_post(make_account())
    with pytest.raises(CommandError, match="must be a positive number"):
        publish(*args)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


@pytest.mark.parametrize("args", [("--limit", "5"), ("--max-seconds", "10"), ("--dry-run",)])
def test_command__watch_runs_until_stopped_and_takes_no_run_limits(args, make_account, make_post):
    post = make_post(make_account())
    with pytest.raises(CommandError, match=r"^--watch runs until stopped: it takes no --limit"):
        publish("--watch", *args)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


def test_command__bad_configuration_is_a_one_line_error(make_account, make_post, settings):
    post = make_post(make_account())
    settings.ENCRYPTION_KEY = "short"

    with pytest.raises(CommandError) as error:
        publish()

    assert str(error.value).startswith("Bad configuration: ENCRYPTION_KEY")
    assert "\n" not in str(error.value)
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


@pytest.mark.parametrize(
    ("setting", "args"),
    [("PUBLISH_CONCURRENCY", ()), ("PUBLISH_WATCH_POLL_SECONDS", ("--watch",))],
)
def test_command__a_bad_publisher_setting_is_a_one_line_error(settings, setting, args):
    setattr(settings, setting, 0)
    with pytest.raises(CommandError, match=rf"^Bad configuration: {setting} must be a positive number"):
        publish(*args)


def run_manage(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "publish_due_posts"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_command__database_unreachable_exits_non_zero_with_one_line():
    result = run_manage(database_url="postgres://postgres@127.0.0.1:1/nowhere")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: The database is unavailable: ")


def test_command__unmigrated_database_says_run_migrate(tmp_path):
    result = run_manage(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: The database is not migrated (")
    assert lines[0].endswith("run `manage.py migrate` first.")


@pytest.mark.django_db(transaction=True)  # the process must see the test database unlocked
def test_command__from_cron_exits_zero_without_system_check_noise():
    result = run_manage()

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == "Processed 0 posts: 0 succeeded, 0 partial, 0 failed, 0 retrying, 0 needs review\n"
    )
    assert "W001" not in result.stderr  # CRON_SECRET is unset in tests; cron does not need it
