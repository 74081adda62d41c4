"""The README's Python example is docs/examples/schedule_post.py, and it works against a live server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from calendar_app.models import ScheduledPost

from .conftest import make_account
from .conftest import make_token

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "schedule_post.py"


def test_readme_shows_the_example_file():
    code = EXAMPLE.read_text().split("\n", 2)[2]  # without its docstring line and the blank after it
    assert code in (ROOT / "README.md").read_text()


@pytest.mark.django_db(transaction=True)
def test_the_example_schedules_a_post_and_reads_its_result(live_server, author):
    make_account(author, name="@acme")
    env = {
        **os.environ,
        "SCHEDULER_API": f"{live_server.url}/api/v1",
        "SCHEDULER_TOKEN": make_token(author),
    }
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["SCHEDULED 2030-05-01 07:00 UTC", "@acme PENDING "]
    assert ScheduledPost.objects.get().content == "Hello from a script"
