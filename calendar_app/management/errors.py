"""What the management commands print of an error: cron mails one line, never a traceback."""

from __future__ import annotations


def error_first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, or its class's name when it says nothing."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
