"""Every publisher run (cron, trigger, watch), read-only: when it ran, where, and what it did."""

from __future__ import annotations

from django.contrib import admin

from ..models import PublisherRun
from .attempts import ReadOnlyAdmin


@admin.register(PublisherRun)
class PublisherRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "trigger",
        "host",
        "pid",
        *PublisherRun.FIGURES[:8],
        "stopped_early",
    ]
    list_filter = ["trigger", "host"]
    date_hierarchy = "started_at"
    search_fields = ["host", "error"]

    @admin.display(boolean=True, description="stopped early")
    def stopped_early(self, run: PublisherRun) -> bool:
        return bool(run.error)
