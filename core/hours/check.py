"""The check a booking makes inside its write transaction (R21): is the slot (or each week of a weekly
series) still open? Run first in ``/book``'s and ``/reschedule``'s transaction, it holds the mentor's
row (PostgreSQL; SQLite writes one at a time), so of two students taking one slot at once the second
finds the first's session and is told it was just taken, with what is still open.

Open or not is decided by ``core.hours.slots`` on the calendar read in this transaction, never by what
an autocomplete showed a moment ago.
"""

from __future__ import annotations

from datetime import datetime

from core.errors import InvalidInput
from core.hours.calendar import Calendar
from core.hours.lookup import MentorHours
from core.hours.results import OpenSlots
from core.hours.slots import Closed, Slot, open_slots, same_wall_time, why_not_open
from core.hours.views import booking_calendar, opened
from core.texts import mention, plural, timestamp
from core.tx import Tx

STILL_OPEN = 5  # how many open slots a refusal offers instead


class SlotNotOpen(InvalidInput):
    """The slot asked for is not open: ``reason``, for week ``week`` of a series (1 alone), and the
    slots ``still_open`` for this student (the bot labels them in the reader's zone)."""

    def __init__(
        self, message: str, *, reason: Closed, at: datetime | None, week: int, still_open: tuple[Slot, ...]
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.at = at
        self.week = week
        self.still_open = still_open


def require_open(
    tx: Tx,
    *,
    guild_id: int,
    mentor_user_id: int | None,
    student_user_id: int,
    starts_at: datetime,
    weeks: int = 1,
    moving_session_id: int | None = None,
) -> OpenSlots:
    """The slot at ``starts_at`` and the same local wall time for ``weeks`` weeks running, if every one
    is open for this student (``OpenSlots.slots``: those slots, in order); else ``SlotNotOpen`` for the
    first that is not. Three statements (BEGIN included), the mentor's row held from the first."""
    mentor, calendar = booking_calendar(
        tx,
        guild_id=guild_id,
        student_user_id=student_user_id,
        mentor_user_id=mentor_user_id,
        moving_session_id=moving_session_id,
        lock=True,
    )
    slots: list[Slot] = []
    for week, at in enumerate(same_wall_time(mentor.zone, starts_at, weeks), start=1):
        reason = None if at is None else _closed(calendar, mentor, at, tx.now)
        if at is None or reason is not None:
            still_open = open_slots(
                calendar.hours, calendar.booked, now=tx.now, not_after=mentor.not_after, limit=STILL_OPEN
            )
            why = reason or Closed.NOT_A_SLOT
            raise SlotNotOpen(
                _sentence(why, mentor, student_user_id, at or starts_at, (week, weeks), still_open),
                reason=reason or Closed.NOT_A_SLOT,
                at=at,
                week=week,
                still_open=tuple(still_open),
            )
        slots.append(Slot(at, mentor.rules.length_minutes))
    return opened(mentor, tuple(slots))


def _closed(calendar: Calendar, mentor: MentorHours, at: datetime, now: datetime) -> Closed | None:
    return why_not_open(calendar.hours, calendar.booked, at, now=now, not_after=mentor.not_after)


def _sentence(
    reason: Closed,
    mentor: MentorHours,
    student_user_id: int,
    at: datetime,
    series: tuple[int, int],
    still_open: list[Slot],
) -> str:
    """The refusal: which slot (week of ``series``: week, weeks), why it is not open, and what to do,
    with the first slots still open."""
    week, weeks = series
    what = timestamp(at) if weeks == 1 else f"Week {week} of {weeks} ({timestamp(at)})"
    instead = "pick another open slot" if weeks == 1 else "book fewer weeks or another slot"
    if still_open:
        instead += ", like " + ", ".join(timestamp(slot.starts_at, "f") for slot in still_open)
    else:
        instead += f" when {mention(mentor.mentor_user_id)} opens more (none is open right now)"
    return f"{what} can't be booked: {_why(reason, mentor, student_user_id)}; {instead}."


def _why(reason: Closed, mentor: MentorHours, student_user_id: int) -> str:
    who = mention(mentor.mentor_user_id)
    rules = mentor.rules
    match reason:
        case Closed.NOT_A_SLOT:
            return f"it is not a start time in {who}'s hours"
        case Closed.TOO_SOON:
            return f"{who} takes bookings at least {plural(rules.notice_hours, 'hour')} ahead"
        case Closed.TOO_FAR:
            return f"{who} takes bookings at most {plural(rules.horizon_days, 'day')} ahead"
        case Closed.AFTER_PACK_END:
            assert mentor.not_after is not None
            return f"it is after the end of the pack it would be booked on ({timestamp(mentor.not_after)})"
        case Closed.DAY_OFF:
            return f"{who} is off that day"
        case Closed.STUDENT_BUSY:
            return f"{mention(student_user_id)} has another session at that time"
        case Closed.TAKEN:
            return "it was just taken"
        case Closed.DAY_FULL:
            return f"{who} takes at most {plural(rules.daily_max, 'session')} a day, and that day is full"
