"""The bench's processes: the fake platforms' server and publisher runs, each a process of its own (as cron
starts them), sharing the database the caller's Django is connected to."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import requests

from social.models import SocialAccount

if TYPE_CHECKING:
    from .harness import Bench

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class FakePlatformsProcess:
    """``bench.fake_platforms`` in a process of its own (it must not share the publisher's GIL)."""

    def __init__(self, *, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._session = requests.Session()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> FakePlatformsProcess:
        log_path = self.log_dir / "fake_platforms.log" if self.log_dir else os.devnull
        with open(log_path, "a") as log:  # the child keeps its own copy of the descriptor
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bench.fake_platforms"],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        line = self._process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the fake platforms process exited before listening (see fake_platforms.log)")
        self.url = json.loads(line)["url"]
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._process = None
        self._session.close()

    def __enter__(self) -> FakePlatformsProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def settings(self) -> dict[str, str]:
        """The environment that points every platform client here."""
        return {
            "TWITTER_API_URL": self.url,
            "FACEBOOK_API_URL": self.url,
            "INSTAGRAM_API_URL": self.url,
            "LINKEDIN_API_URL": self.url,
            "YOUTUBE_API_URL": self.url,
            "YOUTUBE_UPLOAD_URL": f"{self.url}/upload",
            "BLUESKY_PDS_URL": self.url,
            "THREADS_API_URL": self.url,
        }

    def _control(self, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        response = self._session.request(method, f"{self.url}/_bench/{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self, **config: Any) -> None:
        """Forget every post, count and account; then apply ``config`` (latency, fault rates...)."""
        self._control("POST", "reset", config)

    def configure(self, **config: Any) -> None:
        self._control("POST", "config", config)

    def register(self, accounts: Iterable[SocialAccount]) -> None:
        self._control(
            "POST",
            "accounts",
            [
                {
                    "platform": account.platform,
                    "external_id": account.external_id,
                    "token": account.access_token,
                    "author_urn": (account.extra or {}).get("author_urn", ""),
                }
                for account in accounts
            ],
        )

    def summary(self) -> dict[str, Any]:
        return self._control("GET", "summary")

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")


@dataclass
class Run:
    """One publisher process."""

    process: subprocess.Popen[str]
    started: float
    log_path: Path
    finished: float | None = None
    killed: bool = False
    output: str = ""

    @property
    def wall_seconds(self) -> float:
        return (self.finished or time.time()) - self.started

    @property
    def figures(self) -> dict[str, Any]:
        """The JSON line of ``bench.publisher_run``."""
        for line in reversed(self.output.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(
            f"the publisher printed no figures (exit {self.process.returncode}); see {self.log_path}"
        )

    def wait(self, timeout: float | None = None) -> Run:
        self.output, _ = self.process.communicate(timeout=timeout)
        self.finished = self.finished or time.time()
        if self.process.returncode != 0 and not self.killed:
            raise RuntimeError(
                f"a publisher run failed (exit {self.process.returncode}): {self.output.strip()[-500:]}; "
                f"see {self.log_path}"
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finally blocks, connections cut; exactly what a crashed host does."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.killed = True
        self.finished = time.time()


def start_publisher(
    bench: Bench,
    *,
    concurrency: int = 16,
    max_seconds: float = 3600,
    command: bool = False,
    tracemalloc: bool = False,
    name: str = "run",
    **settings: Any,
) -> Run:
    """A publisher run in its own process: ``bench.publisher_run`` (measured; the service the command
    calls), or with ``command=True`` the real ``manage.py publish_due_posts`` as cron starts it."""
    if command:
        argv = [sys.executable, "manage.py", "publish_due_posts"]
    else:
        argv = [sys.executable, "-m", "bench.publisher_run"]
        if tracemalloc:
            argv.append("--tracemalloc")
    argv += ["--concurrency", str(concurrency), "--max-seconds", str(max_seconds)]
    log_path = bench.log_dir / f"{name}.log"
    with open(log_path, "a") as log:
        process = subprocess.Popen(  # noqa: S603 (argv: this interpreter and fixed arguments)
            argv,
            cwd=PROJECT_ROOT,
            env=bench.publisher_env(**settings),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    bench.publisher_pids.add(process.pid)
    return Run(process=process, started=time.time(), log_path=log_path)
