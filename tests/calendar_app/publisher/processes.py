"""Publisher processes started together, for the tests that race real processes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)


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
