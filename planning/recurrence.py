"""RFC 5545 recurrence rules (python-dateutil) on a zone's wall clock, and each occurrence's text.

The rule runs on naive wall-clock times and each occurrence is then read in the series' zone
(``wall_clock``), so "every Monday at 09:00" stays 09:00 local across daylight-saving changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from .wall_clock import wall_time_resolve

# Posting more often than hourly is what platforms treat as spam.
ALLOWED_FREQUENCIES = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Set through the series' own fields, not inside the rule.
RULE_PARTS_OF_THEIR_OWN = {"COUNT": "Count", "UNTIL": "Ends on", "DTSTART": "Starts on"}
PLACEHOLDERS = ("{n}", "{date}")
# Per-platform options whose text gets the placeholders too.
TEXT_OPTIONS = ("content", "title")


def rule_normalize(rule: str) -> str:
    """``rrule:freq=weekly; byday=MO`` -> ``FREQ=WEEKLY;BYDAY=MO``."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    return ";".join(part.strip().upper() for part in text.split(";") if part.strip())


def rule_problems(rule: str) -> list[str]:
    """What is wrong with an RRULE (without its start and end), in words a person can act on."""
    normalized = rule_normalize(rule)
    if not normalized:
        return ["Enter a rule, e.g. FREQ=WEEKLY;BYDAY=MO,TH (every Monday and Thursday)."]
    names = [part.partition("=")[0] for part in normalized.split(";")]
    problems = [
        f"Set {name} with the series' {field} field, not in the rule."
        for name, field in RULE_PARTS_OF_THEIR_OWN.items()
        if name in names
    ]
    frequency = dict(part.partition("=")[::2] for part in normalized.split(";")).get("FREQ")
    if frequency is None:
        problems.append("The rule needs FREQ, e.g. FREQ=WEEKLY.")
    elif frequency not in ALLOWED_FREQUENCIES:
        problems.append(
            f"FREQ={frequency} is too frequent or unknown; use one of {', '.join(ALLOWED_FREQUENCIES)}."
        )
    if problems:
        return problems
    try:
        rrulestr(normalized, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError) as exc:
        return [f"Not an RFC 5545 rule: {exc}."]
    return []


def series_instants(
    *,
    rule: str,
    starts_on: date,
    clock: time,
    zone: ZoneInfo,
    ends_on: date | None = None,
    count: int | None = None,
    after: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[tuple[int, datetime]]:
    """(occurrence number, aware UTC instant) of a series, ascending, after ``after`` and up to ``until``.

    Numbers count from the series' first occurrence, so ``{n}`` is stable whatever window is asked for.
    Two wall times that land on one instant (both in a skipped hour) are one occurrence.
    """
    if (ends_on is None) == (count is None):
        raise ValueError("a series ends either on a date or after a count")
    recurrence = rrulestr(rule_normalize(rule), dtstart=datetime.combine(starts_on, clock))
    if count is not None:
        recurrence = recurrence.replace(count=count)
    else:
        recurrence = recurrence.replace(until=datetime.combine(ends_on, time.max))
    previous = None
    for number, wall in enumerate(recurrence, start=1):
        instant = wall_time_resolve(wall, zone)
        if instant == previous:
            continue
        previous = instant
        if until is not None and instant > until:
            return
        if after is None or instant > after:
            yield number, instant


def occurrence_text(template: str, *, number: int, local_date: date) -> str:
    """``template`` with ``{n}`` and ``{date}`` filled in; any other braces stay as written."""
    return template.replace("{n}", str(number)).replace("{date}", local_date.isoformat())


def occurrence_template(*, content: str, variants: Sequence[str], number: int) -> str:
    """The text of occurrence ``number``: the variants in turn (the first for occurrence 1), else ``content``."""
    return variants[(number - 1) % len(variants)] if variants else content


def occurrence_metadata(metadata: Mapping[str, Any], *, number: int, local_date: date) -> dict[str, Any]:
    """The series' metadata with the placeholders filled in each platform's text and title."""
    rendered = {key: value for key, value in metadata.items() if key != "platforms"}
    platforms = metadata.get("platforms")
    if isinstance(platforms, Mapping):
        rendered["platforms"] = {
            platform: {
                key: occurrence_text(value, number=number, local_date=local_date)
                if key in TEXT_OPTIONS and isinstance(value, str)
                else value
                for key, value in options.items()
            }
            if isinstance(options, Mapping)
            else options
            for platform, options in platforms.items()
        }
    return rendered


def repeats_the_same_text(*, content: str, variants: Sequence[str]) -> bool:
    """Whether every occurrence would carry the same text (platforms refuse a duplicate post)."""
    texts = list(variants) or [content]
    varies = any(placeholder in text for text in texts for placeholder in PLACEHOLDERS)
    return not varies and len(set(texts)) < 2


def variants_split(text: str) -> list[str]:
    """Variants as typed in one box: separated by a line holding only ``---``."""
    return [part.strip() for part in re.split(r"^\s*---\s*$", text, flags=re.MULTILINE) if part.strip()]
