"""Publisher processes for the tests that race real processes or kill one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.subprocesses import subprocess_env

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def wait_for_go() -> None:
    """In a racing process: say it is ready, then wait for the test's go (``RACE_BARRIER_DIR``)."""
    barrier = Path(os.environ["RACE_BARRIER_DIR"])
    (barrier / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            sys.exit(f"{sys.argv[0]}: no go signal within 60 s")
        time.sleep(0.005)


def run_together(
    module: str, *, count: int, env: dict[str, str], barrier: Path
) -> list[tuple[int, str, str]]:
    """Start ``count`` processes of ``python -m module``, release them at once through the ``barrier``
    folder (each touches ``ready-<pid>`` and waits for ``go``) and return each one's exit code, stdout and
    stderr."""
    barrier.mkdir(exist_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=PROJECT_ROOT,
            env={**env, "RACE_BARRIER_DIR": str(barrier)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(list(barrier.glob("ready-*"))) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        (barrier / "go").touch()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            process.kill()
    return [(process.returncode, out, err) for process, (out, err) in zip(processes, outputs, strict=True)]


def command_killed_when(done: Callable[[], bool], *, poll: float = 0.05, **env: str) -> subprocess.Popen:
    """``publish_due_posts`` with fake platforms (``command_process``, configured by ``env``) in a process of
    its own, SIGKILLed as soon as ``done()`` (or after 60 s): no cleanup, as when a host crashes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.calendar_app.publisher.command_process"],
        cwd=PROJECT_ROOT,
        env=subprocess_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:
            time.sleep(poll)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    return process
