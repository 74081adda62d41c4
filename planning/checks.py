"""System checks of the planning settings: a bad value stops ``manage.py`` with a message naming it."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.checks import register

# A window longer than a year would create a year of posts at once: almost certainly a typo.
MAX_WINDOW_DAYS = 366


@register()
def planning_settings_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    window = settings.PLANNING_RECURRENCE_WINDOW_DAYS
    if not isinstance(window, int) or not 1 <= window <= MAX_WINDOW_DAYS:
        errors.append(
            Error(
                f"PLANNING_RECURRENCE_WINDOW_DAYS must be a whole number of days from 1 to {MAX_WINDOW_DAYS}, "
                f"not {window!r}.",
                id="planning.E001",
            )
        )
    max_rows = settings.PLANNING_IMPORT_MAX_ROWS
    if not isinstance(max_rows, int) or max_rows < 1:
        errors.append(
            Error(
                f"PLANNING_IMPORT_MAX_ROWS must be a whole number of at least 1, not {max_rows!r}.",
                id="planning.E002",
            )
        )
    return errors
