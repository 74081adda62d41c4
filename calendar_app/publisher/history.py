"""PublisherRun rows: one per run, written through the run's database lanes, pruned after 30 days."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.utils import timezone

from calendar_app.models import PublisherRun

from .summary import PublishRunSummary
from .workers import DbLanes

logger = logging.getLogger(__name__)

KEEP_RUNS_FOR = timedelta(days=30)


class RunHistory:
    """The PublisherRun row of one run. ``eager``: written when the run starts; otherwise (the watch loop)
    only once the run takes a post, so an idle look at the queue leaves no row."""

    def __init__(self, *, lanes: DbLanes, trigger: str, eager: bool) -> None:
        self._lanes = lanes
        self._eager = eager
        self._row = PublisherRun(
            host=socket.gethostname()[:255], pid=os.getpid(), trigger=trigger, started_at=timezone.now()
        )

    @property
    def run_id(self) -> int | None:
        """The PublisherRun's id, once saved."""
        return self._row.pk

    @property
    def group_key(self) -> str | None:
        """What groups the run's events (its emails to one person go as one): the run's id, once saved."""
        return run_group_key(self._row.pk)

    def begin(self, *, eager: bool = False) -> None:
        if self._row.pk is None and (eager or self._eager):
            self._lanes.call(self._row.save)

    def end(self, summary: PublishRunSummary) -> None:
        took_posts = summary.processed or summary.released or summary.lost or summary.errors
        if self._row.pk is None and (self._eager or not took_posts):
            return  # an eager row that could not even be begun (no database), or an idle watch look
        self._row.finished_at = timezone.now()
        for name in (*PublisherRun.FIGURES, "error"):
            setattr(self._row, name, getattr(summary, name))
        try:
            self._lanes.call(self._save_and_prune)
        except Exception as exc:  # the run's own result is what matters; its record is best effort
            logger.warning(
                "Could not record the publisher run: %s",
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            )

    def _save_and_prune(self) -> None:
        self._row.save()
        publisher_runs_prune()


def run_group_key(run_id: int | None) -> str | None:
    return None if run_id is None else str(run_id)


def publisher_runs_prune() -> int:
    """Delete the runs that started more than 30 days ago; returns how many."""
    deleted, _ = PublisherRun.objects.filter(started_at__lt=timezone.now() - KEEP_RUNS_FOR).delete()
    return deleted
