"""Publisher processes started together, for the tests that race real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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
