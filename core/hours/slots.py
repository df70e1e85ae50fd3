"""What is open (R21): the one pure function that turns a mentor's hours into the slots a student may
book, and the cheap check of one instant built on the same logic.

Pure: the hours, the rules, what is already booked and ``now`` are passed in; nothing is read from a
database or the clock. ``/book``'s autocomplete and menu, ``/reschedule``, ``/hours show`` and the
check a booking makes inside its write transaction all come here, so they cannot disagree.

Weekly hours follow the mentor's wall clock across daylight-saving changes: each slot is built as a
local wall time on a local date (18:00 stays 18:00) and then converted to UTC, never by adding 7 × 24
hours to an instant. A local time the clocks skip has no slot; one they repeat is taken the first
time (``fold=0``). A session "fits in the window" when its real end, read on the wall clock, is not
after the window's end.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Window:
    """A weekly window: ``weekday`` 0 = Monday … 6 = Sunday; minutes after local midnight, the start
    included and the end (at most 1440, midnight after) excluded."""

    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class DaysOff:
    """Local dates (in the mentor's zone) from ``first`` to ``last``, both included."""

    first: date
    last: date

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True, slots=True)
class BookingRules:
    """How a mentor is booked, every value settled (a mentor's own or a default)."""

    length_minutes: int = 60
    buffer_minutes: int = 0
    notice_hours: int = 24
    daily_max: int = 0  # 0: no cap
    horizon_days: int = 28


@dataclass(frozen=True, slots=True)
class Hours:
    """A mentor's published hours: their IANA zone, weekly windows, days off and booking rules."""

    zone: str
    windows: tuple[Window, ...]
    days_off: tuple[DaysOff, ...] = ()
    rules: BookingRules = field(default_factory=BookingRules)


@dataclass(frozen=True, slots=True)
class Busy:
    """A session already in someone's calendar: its UTC start and length."""

    starts_at: datetime
    minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Booked:
    """What is booked already: every session of the mentor, and the student's sessions in this server
    (either may hold the same session: a student's earlier booking with this mentor)."""

    mentor: tuple[Busy, ...] = ()
    student: tuple[Busy, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """An open start time (UTC) and the session's length."""

    starts_at: datetime
    minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Closed(StrEnum):
    """Why an instant is not an open slot, in the order they are checked."""

    NOT_A_SLOT = "not_a_slot"  # not a start time in the mentor's hours
    TOO_SOON = "too_soon"  # less than the minimum notice ahead
    TOO_FAR = "too_far"  # beyond the horizon
    AFTER_PACK_END = "after_pack_end"  # after the "not after" instant (the pack's end date)
    DAY_OFF = "day_off"
    STUDENT_BUSY = "student_busy"  # the student has another session then
    TAKEN = "taken"  # within the buffer of one of the mentor's sessions
    DAY_FULL = "day_full"  # the mentor's daily cap is reached


def open_slots(
    hours: Hours,
    booked: Booked,
    *,
    now: datetime,
    not_after: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """R21: the open slots, earliest first: those starting at or after ``since`` and before ``until``
    (when given), at most ``limit`` of them."""
    calendar = _Calendar(hours, booked, now, not_after)
    earliest = max(calendar.earliest, since) if since is not None else calendar.earliest
    latest = min(calendar.latest, until) if until is not None else calendar.latest
    found: list[Slot] = []
    if earliest > latest or limit == 0:
        return found
    for day in _days(calendar.local_date(earliest), calendar.local_date(latest)):
        for slot in calendar.candidates(day):
            if slot.starts_at < earliest or (until is not None and slot.starts_at >= until):
                continue
            if calendar.verdict(slot, day) is None:
                found.append(slot)
                if limit is not None and len(found) >= limit:
                    return found
    return found


def why_not_open(
    hours: Hours, booked: Booked, at: datetime, *, now: datetime, not_after: datetime | None = None
) -> Closed | None:
    """Why the slot starting at ``at`` is not open, or ``None`` when it is (the check a booking makes)."""
    calendar = _Calendar(hours, booked, now, not_after)
    day = calendar.local_date(at)
    for slot in calendar.candidates(day):
        if slot.starts_at == at:
            return calendar.verdict(slot, day)
    return Closed.NOT_A_SLOT


def is_open(
    hours: Hours, booked: Booked, at: datetime, *, now: datetime, not_after: datetime | None = None
) -> bool:
    """Whether ``at`` is an open slot (``why_not_open`` is ``None``)."""
    return why_not_open(hours, booked, at, now=now, not_after=not_after) is None


def same_wall_time(zone: str, first: datetime, weeks: int) -> list[datetime | None]:
    """The instants of the same local wall time as ``first`` for ``weeks`` weeks running, ``first``
    included (a weekly series); ``None`` for a week whose wall time the clocks skip."""
    tz = ZoneInfo(zone)
    wall = first.astimezone(tz).replace(tzinfo=None)
    return [_instant(wall + timedelta(weeks=week), tz) for week in range(weeks)]


# ---- the calendar one call works on ------------------------------------------------------------------


class _Calendar:
    """Everything one call needs, prepared once: the zone, the bounds, the busy intervals merged and
    sorted for bisection, and the mentor's sessions counted per local day."""

    def __init__(self, hours: Hours, booked: Booked, now: datetime, not_after: datetime | None) -> None:
        rules = hours.rules
        self.tz = ZoneInfo(hours.zone)
        self.rules = rules
        self.length = timedelta(minutes=rules.length_minutes)
        self.buffer = timedelta(minutes=rules.buffer_minutes)
        self.step = rules.length_minutes + rules.buffer_minutes
        self.earliest = now + timedelta(hours=rules.notice_hours)
        self.horizon_end = now + timedelta(days=rules.horizon_days)
        self.not_after = not_after
        self.latest = self.horizon_end if not_after is None else min(self.horizon_end, not_after)
        self.days_off = hours.days_off
        self.windows: dict[int, list[Window]] = {}
        for window in sorted(hours.windows, key=lambda w: (w.weekday, w.start_minute)):
            self.windows.setdefault(window.weekday, []).append(window)
        self.mentor = _Intervals(booked.mentor)
        self.student = _Intervals(booked.student)
        # Counted only when there is a cap to count against (a local date per session is not free).
        self.per_day = (
            Counter(self.local_date(busy.starts_at) for busy in booked.mentor)
            if rules.daily_max
            else Counter()
        )

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def candidates(self, day: date) -> Iterator[Slot]:
        """Every start time of the mentor's windows on local ``day`` whose session fits, in order."""
        midnight = datetime.combine(day, time())
        for window in self.windows.get(day.weekday(), ()):
            window_end = midnight + timedelta(minutes=window.end_minute)
            minute = window.start_minute
            while minute + self.rules.length_minutes <= window.end_minute:
                starts_at = _instant(midnight + timedelta(minutes=minute), self.tz)
                if starts_at is not None and self._wall(starts_at + self.length) <= window_end:
                    yield Slot(starts_at, self.rules.length_minutes)
                minute += self.step

    def verdict(self, slot: Slot, day: date) -> Closed | None:
        """Why ``slot`` (a start time of local ``day``) is not open, or ``None``."""
        if slot.starts_at < self.earliest:
            return Closed.TOO_SOON
        if slot.starts_at > self.horizon_end:
            return Closed.TOO_FAR
        if self.not_after is not None and slot.starts_at > self.not_after:
            return Closed.AFTER_PACK_END
        if any(off.holds(day) for off in self.days_off):
            return Closed.DAY_OFF
        if self.student.overlaps(slot.starts_at, slot.ends_at):
            return Closed.STUDENT_BUSY
        if self.mentor.overlaps(slot.starts_at - self.buffer, slot.ends_at + self.buffer):
            return Closed.TAKEN
        if self.rules.daily_max and self.per_day[day] >= self.rules.daily_max:
            return Closed.DAY_FULL
        return None

    def _wall(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz).replace(tzinfo=None)


class _Intervals:
    """Busy time as disjoint intervals sorted by start (so also by end): one bisection per question."""

    def __init__(self, sessions: Sequence[Busy]) -> None:
        merged: list[list[datetime]] = []
        for busy in sorted(sessions, key=lambda item: item.starts_at):
            if merged and busy.starts_at <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], busy.ends_at)
            else:
                merged.append([busy.starts_at, busy.ends_at])
        self.starts = [interval[0] for interval in merged]
        self.ends = [interval[1] for interval in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any busy interval overlaps [start, end) (touching ends do not overlap)."""
        index = bisect_right(self.ends, start)  # the first interval that ends after ``start``
        return index < len(self.starts) and self.starts[index] < end


def _instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time: the first when it occurs twice, ``None`` when skipped."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=offset) for offset in range((last - first).days + 1))
