"""How hours and slots read: a slot in its reader's zone ("Tue 13 Jan 18:00–19:00 (in 3 days)"), a
weekly window ("Tue 18:00–21:00", in the mentor's zone), a run of days off.

Pure. A label is at most 100 characters: Discord's limit on a choice's name (autocomplete, select
menus). Times in sentences (refusals, DMs) use Discord timestamps instead (``core.texts``), which every
reader sees in their own zone; these labels are for choices, where Discord renders no timestamps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.hours.slots import Window
from core.when import MAX_LABEL, relative, zone_named

# ``/hours add``'s ``day``, Monday first (``date.weekday()``).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock(minute: int) -> str:
    """Minutes after midnight as "HH:MM" (1440 is "24:00", the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def window_label(window: Window) -> str:
    """A weekly window as its mentor wrote it: "Tue 18:00–21:00"."""
    return f"{_DAY_NAMES[window.weekday]} {clock(window.start_minute)}–{clock(window.end_minute)}"


def slot_label(
    starts_at: datetime, minutes: int, *, zone: str, now: datetime, with_zone: bool = False
) -> str:
    """A slot in the reader's ``zone``: "Tue 13 Jan 18:00–19:00 (in 3 days)". The year shows when it
    is not the reader's current one, the end's day when the session runs past midnight there, and
    the zone's name with ``with_zone``."""
    tz = zone_named(zone)
    local = starts_at.astimezone(tz)
    end = (starts_at + timedelta(minutes=minutes)).astimezone(tz)
    day = f"{local:%a %d %b}" + ("" if local.year == now.astimezone(tz).year else f" {local.year}")
    until = f"{end:%H:%M}" if end.date() == local.date() else f"{end:%a %H:%M}"
    label = f"{day} {local:%H:%M}–{until}" + (f" {zone}" if with_zone else "")
    return f"{label} ({relative(starts_at - now)})"[:MAX_LABEL]


def days_off_label(first: date, last: date) -> str:
    """A run of days off: "Mon 30 Mar 2026", or "Mon 30 Mar – Fri 03 Apr 2026"."""
    if first == last:
        return f"{first:%a %d %b %Y}"
    head = f"{first:%a %d %b}" if first.year == last.year else f"{first:%a %d %b %Y}"
    return f"{head} – {last:%a %d %b %Y}"
