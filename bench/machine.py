"""Where the machine's CPU went during a measurement (Linux ``/proc``; nothing elsewhere).

The publisher, PostgreSQL and the fake platforms share the machine's cores, and so does anything else that
runs meanwhile. Sampling every process's CPU time separates them: the publisher's processes, PostgreSQL's
backends of the benchmark's database, the fake platforms, and everything else (which makes a figure slower
than the code is).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
PUBLISHER, POSTGRES, PLATFORMS, OTHER = "publisher", "postgresql", "fake platforms", "other"


def _ticks_per_second() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


def _processes() -> dict[tuple[int, str], tuple[int, str]]:
    """(pid, start time) -> (CPU ticks used so far, command line)."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[(int(entry.name), fields[19])] = (int(fields[11]) + int(fields[12]), command)
    return found


class CpuWatch:
    """CPU seconds by kind of process while in the ``with`` block, sampled every ``interval``."""

    def __init__(self, *, classify: Callable[[int, str], str], interval: float = 0.5) -> None:
        self.classify = classify
        self.interval = interval
        self.seconds: Counter[str] = Counter()
        self.available = PROC.is_dir()
        self._hz = _ticks_per_second()
        self._last: dict[tuple[int, str], tuple[int, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-cpu-watch", daemon=True)

    def __enter__(self) -> CpuWatch:
        if self.available:
            self._last = _processes()
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()
            self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        now = _processes()
        for key, (ticks, command) in now.items():
            before = self._last.get(key)
            used = ticks - before[0] if before else ticks
            if used > 0:
                self.seconds[self.classify(key[0], command)] += used / self._hz
        self._last = now

    def figures(self) -> dict[str, float]:
        return {kind: round(seconds, 2) for kind, seconds in self.seconds.most_common()}


def classifier(*, publisher_pids: Callable[[], set[int]], platforms_pid: int | None, database: str):
    """Sort processes into the publisher's, our database's PostgreSQL backends, the fake, and the rest."""
    own = os.getpid()

    def classify(pid: int, command: str) -> str:
        if pid in publisher_pids():
            return PUBLISHER
        if pid == platforms_pid:
            return PLATFORMS
        if command.startswith("postgres:") and f" {database} " in f" {command} ":
            return POSTGRES
        if pid == own:
            return "bench (seeding, audit)"
        return OTHER

    return classify
