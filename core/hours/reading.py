"""Reading what a mentor typed into ``/hours``: a day of the week, a clock time "HH:MM", a date.

Pure; every refusal is an ``InvalidInput`` with the sentence the user reads. Dates are local dates in
the mentor's zone, read against their ``today``: ISO (2026-03-30), "30 Mar" / "Mar 30" (with or
without a year; without one, the next such day), "today", "tomorrow", or a weekday ("fri": the next
one, today included). A day and month in digits only ("12/03") is refused as ambiguous, as ``/schedule``
refuses it (R15).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from core.errors import InvalidInput
from core.hours.labels import WEEKDAYS
from core.hours.slots import MINUTES_A_DAY

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DIGITS_ONLY = re.compile(r"^\d{1,2}\s*[/.-]\s*\d{1,2}$")
_DAY_MONTH = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")
_SHOWN = 40


def weekday(text: str) -> int:
    """``mon`` … ``sun`` (or the full name, any case) as 0 … 6."""
    word = text.strip().lower()
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    if word in _FULL_DAYS:
        return _FULL_DAYS.index(word)
    raise InvalidInput(f"“{_shown(text)}” is not a day of the week; use mon, tue, wed, thu, fri, sat or sun.")


def clock_minute(text: str, *, end: bool = False) -> int:
    """ "HH:MM" as minutes after midnight; "24:00" only as an ``end`` (the end of the day)."""
    found = _CLOCK.match(text.strip())
    if found is not None:
        hours, minutes = int(found[1]), int(found[2])
        if hours < 24 and minutes < 60:
            return hours * 60 + minutes
        if end and (hours, minutes) == (24, 0):
            return MINUTES_A_DAY
    latest = "24:00 for the end of the day" if end else "23:59"
    raise InvalidInput(f"“{_shown(text)}” is not a time of day; write it as HH:MM, from 00:00 to {latest}.")


def local_day(text: str, *, today: date) -> date:
    """The local date ``text`` names, read on ``today`` (the mentor's)."""
    cleaned = " ".join(text.replace(",", " ").split()).lower()
    if cleaned in ("today", "tomorrow"):
        return today + timedelta(days=cleaned == "tomorrow")
    if cleaned in WEEKDAYS or cleaned in _FULL_DAYS:
        return today + timedelta(days=(weekday(cleaned) - today.weekday()) % 7)
    if _DIGITS_ONLY.match(cleaned):
        raise InvalidInput(
            f"“{_shown(text)}” could be read two ways; write the month as a word (12 Mar) or 2026-03-12."
        )
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    for shape in _DAY_MONTH:
        try:
            return datetime.strptime(cleaned, shape).date()  # noqa: DTZ007 - a date, no time or zone
        except ValueError:
            pass
        try:
            return _next(datetime.strptime(f"{cleaned} {today.year}", shape).date(), today)  # noqa: DTZ007
        except ValueError:
            pass
    raise InvalidInput(
        f"I can't read “{_shown(text)}” as a day; write it like 2026-03-30, 30 Mar or tomorrow."
    )


def _next(day: date, today: date) -> date:
    """``day`` (read in this year), or the same day next year when it has passed."""
    if day >= today:
        return day
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year + 1, day=28)


def _shown(text: str) -> str:
    cleaned = " ".join(text.split())
    return (cleaned[: _SHOWN - 1] + "…" if len(cleaned) > _SHOWN else cleaned) or "(nothing)"
