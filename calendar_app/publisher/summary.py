"""What a run did: the figures the command prints, the trigger answers and PublisherRun keeps."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any


@dataclass
class PublishRunSummary:
    """What a run did. The first six figures partition the posts it processed."""

    processed: int = 0
    succeeded: int = 0
    partial: int = 0
    failed: int = 0
    retrying: int = 0
    needs_review: int = 0
    duration_seconds: float = 0.0
    claimed: int = 0  # due posts this run claimed
    recovered: int = 0  # posts taken over from a run that died
    released: int = 0  # posts given back untouched (the run stopped or its database failed before them)
    lost: int = 0  # posts another run took over meanwhile: left to that run
    errors: int = 0  # posts whose work failed unexpectedly: released for the next run to recover
    # Among the retrying: posts with an account deferred by a posting quota (not a retry round), and posts
    # held for a later run because a platform is still processing them.
    deferred: int = 0
    processing: int = 0
    error: str = ""  # why the run stopped early (its database failed); empty when it completed
    dry_run: bool = False
    dry_run_lines: list[str] = field(default_factory=list)
    run_id: int | None = None  # its PublisherRun, when it left one (not a figure: not in as_dict())

    def line(self) -> str:
        return (
            f"Processed {self.processed} posts: {self.succeeded} succeeded, {self.partial} partial, "
            f"{self.failed} failed, {self.retrying} retrying, {self.needs_review} needs review"
        )

    def as_dict(self) -> dict[str, Any]:
        figures = asdict(self)
        figures["duration_seconds"] = round(self.duration_seconds, 3)
        del figures["run_id"]
        if not self.dry_run:
            del figures["dry_run_lines"]
        return figures
