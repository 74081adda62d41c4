"""The planning commands: one summary line, one-line errors."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError
from django.core.management import call_command
from django.utils import timezone

from calendar_app.models import ScheduledPost
from planning.services.recurrence import SeriesInput
from planning.services.recurrence import series_create
from tests.calendar_app.factories import make_post

pytestmark = pytest.mark.django_db


def test_create_recurring_posts__prints_what_it_made_and_is_idempotent(author, x_account, settings):
    settings.PLANNING_RECURRENCE_WINDOW_DAYS = 3
    start = timezone.localdate() + timedelta(days=1)
    series_create(
        created_by=author,
        data=SeriesInput(
            name="Daily",
            content="Day {n}",
            account_ids=(x_account.pk,),
            timezone_name="UTC",
            starts_on=start,
            time=time(12, 0),
            rule="FREQ=DAILY",
            ends_on=start + timedelta(days=30),
        ),
        now=timezone.now() - timedelta(days=2),  # made two days ago: its window reaches tomorrow only
    )
    out = StringIO()
    call_command("create_recurring_posts", stdout=out)
    assert (
        out.getvalue().strip() == "Recurring posts: 2 created (0 as drafts needing attention) from 1 series"
    )
    out = StringIO()
    call_command("create_recurring_posts", stdout=out)
    assert (
        out.getvalue().strip() == "Recurring posts: 0 created (0 as drafts needing attention) from 0 series"
    )


HEADER = "text,accounts,time,timezone\n"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password="pw-admin-1")


def run_import(*args) -> str:
    out = StringIO()
    call_command("import_posts", *args, stdout=out)
    return out.getvalue()


def test_import_posts__dry_run_then_import_then_again(tmp_path, admin_user, x_account):
    path = tmp_path / "month.csv"
    path.write_text(
        HEADER + "Hello,x:@brand_a,2030-03-31 09:00,Europe/Paris\nAgain,x:@brand_a,2030-04-01 09:00,\n"
    )
    assert (
        run_import(str(path), "--dry-run").strip()
        == "Checked 2 rows: 2 to import, 0 already imported, 0 with problems."
    )
    assert not ScheduledPost.objects.exists()
    assert run_import(str(path), "--timezone", "Europe/Paris").strip() == (
        "Imported 2 posts (0 rows already imported, 0 rows with problems skipped)."
    )
    assert ScheduledPost.objects.filter(created_by=admin_user).count() == 2
    assert (
        run_import(str(path)).strip()
        == "Imported 0 posts (2 rows already imported, 0 rows with problems skipped)."
    )


def test_import_posts__bad_rows_are_listed_and_nothing_is_imported(tmp_path, admin_user, x_account):
    path = tmp_path / "month.csv"
    path.write_text(HEADER + "Hello,x:@brand_a,2030-03-31 09:00,UTC\nWho,x:@nobody,2030-03-31 10:00,UTC\n")
    out = StringIO()
    with pytest.raises(CommandError, match=r"^Nothing was imported: 1 rows have problems"):
        call_command("import_posts", str(path), stdout=out)
    assert "row 3, accounts: No X (Twitter) account is named '@nobody'." in out.getvalue()
    with pytest.raises(CommandError, match="Dry run: 1 rows have problems"):
        call_command("import_posts", str(path), "--dry-run", stdout=StringIO())
    assert not ScheduledPost.objects.exists()
    assert "1 rows with problems skipped" in run_import(str(path), "--skip-bad-rows")
    assert ScheduledPost.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, [], "no such file"),
        ("folder", [], "is a folder"),
        ("latin-1", [], "is not UTF-8 text (byte 0xe9"),
        ("good", ["--timezone", "Mars/Olympus"], "not a known time zone"),
        ("good", ["--user", "nobody"], "No active user is named 'nobody'"),
    ],
)
def test_import_posts__one_line_errors(tmp_path, admin_user, setup, args, message):
    path = tmp_path / "posts.csv"
    if setup == "folder":
        path.mkdir()
    elif setup == "latin-1":
        path.write_bytes((HEADER + "Café,x:@brand_a,2030-03-31 09:00,UTC\n").encode("latin-1"))
    elif setup == "good":
        path.write_text(HEADER)
    with pytest.raises(CommandError, match=re.escape(message)) as error:
        call_command("import_posts", str(path), *args, stdout=StringIO())
    assert "\n" not in str(error.value)


def test_import_posts__needs_an_author_when_there_is_no_single_superuser(tmp_path, x_account):
    path = tmp_path / "posts.csv"
    path.write_text(HEADER + "Hello,x:@brand_a,2030-03-31 09:00,UTC\n")
    with pytest.raises(CommandError, match="Name the author of the posts with --user USERNAME"):
        call_command("import_posts", str(path), stdout=StringIO())
    assert "Imported 1 posts" in run_import(str(path), "--user", "planner")


def test_export_posts__to_stdout_and_to_a_file(tmp_path, author, x_account):
    make_post(
        author, accounts=[x_account], scheduled_at=datetime(2030, 5, 1, 22, 30, tzinfo=UTC), content="Late"
    )
    out = StringIO()
    call_command(
        "export_posts", "--from", "2030-05-02", "--to", "2030-05-02", "--timezone", "Europe/Paris", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("post_id,key,time,timezone,post_status,text,account")
    assert len(lines) == 2 and ",Late,twitter:@brand_a," in lines[1]
    target = tmp_path / "export.csv"
    err = StringIO()
    call_command(
        "export_posts", "--output", str(target), "--status", "SCHEDULED", stdout=StringIO(), stderr=err
    )
    assert err.getvalue().strip() == f"Exported 1 rows to {target}."
    assert target.read_text().count("\n") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2030-13-01"], "'2030-13-01' is not a date"),
        (["--status", "DONE"], "Unknown status 'DONE'"),
        (["--timezone", "Nowhere"], "not a known time zone"),
        (["--output", "/nonexistent-folder/x.csv"], "No such file or directory"),
    ],
)
def test_export_posts__one_line_errors(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_posts", *args, stdout=StringIO())
