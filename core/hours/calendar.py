"""Reading a mentor's calendar in one statement: their weekly windows, the days off still ahead, their
sessions and (for a booking) the student's sessions in this server around the bookable span, turned
into what ``core.hours.slots`` takes (``Hours``, ``Booked``).

A session keeps the mentor or the student busy while it is booked, and also once it took place
(completed, a no-show): those count toward the day's cap. Cancelled and voided sessions do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, bindparam, cast, literal_column, null, select, union_all

from core.domain import SessionStatus
from core.hours.lookup import MentorHours
from core.hours.slots import Booked, Busy, DaysOff, Hours, Window
from core.schema import LIVE_SEAT, UTCDateTime, hours_days_off, hours_windows, seats, sessions, sql
from core.tx import Tx

_WINDOW, _DAYS_OFF, _MENTOR, _STUDENT = 0, 1, 2, 3
# The longest a stored session may last (``sessions.minutes``' check) and the longest a local day is.
_LONGEST_SESSION = timedelta(minutes=1440)
_LONGEST_DAY = timedelta(hours=26)
BUSY = (SessionStatus.SCHEDULED, SessionStatus.COMPLETED, SessionStatus.NO_SHOW)


def _kind(value: int) -> Any:
    return literal_column(str(value), Integer()).label("kind")


def _zero() -> Any:
    return literal_column("0", Integer())


# Typed NULLs: PostgreSQL settles two untyped NULLs of a UNION as text before it meets the dates.
def _no_day() -> Any:
    return cast(null(), Date())


def _no_instant() -> Any:
    return cast(null(), UTCDateTime())


def _sessions(kind: int, *where: Any) -> Any:
    return (
        select(
            _kind(kind),
            sessions.c.id,
            _zero(),
            _zero(),
            _zero(),
            _no_day(),
            _no_day(),
            sessions.c.starts_at,
            sessions.c.minutes,
        )
        .join_from(sessions, seats, seats.c.id == sessions.c.seat_id)
        .where(
            *where,
            sessions.c.status.in_([sql(status.value) for status in BUSY]),
            sessions.c.starts_at >= bindparam("from_instant"),
            sessions.c.starts_at <= bindparam("to_instant"),
            # The session being moved does not stand in its own way.
            sessions.c.id != bindparam("moving"),
        )
    )


_CALENDAR = union_all(
    select(
        _kind(_WINDOW),
        hours_windows.c.id.label("id"),
        hours_windows.c.weekday.label("weekday"),
        hours_windows.c.start_minute.label("start_minute"),
        hours_windows.c.end_minute.label("end_minute"),
        _no_day().label("first_day"),
        _no_day().label("last_day"),
        _no_instant().label("starts_at"),
        _zero().label("minutes"),
    ).where(hours_windows.c.mentor_id == bindparam("mentor_id")),
    select(
        _kind(_DAYS_OFF),
        hours_days_off.c.id,
        _zero(),
        _zero(),
        _zero(),
        hours_days_off.c.first_day,
        hours_days_off.c.last_day,
        _no_instant(),
        _zero(),
    ).where(
        hours_days_off.c.mentor_id == bindparam("mentor_id"),
        hours_days_off.c.last_day >= bindparam("from_day"),
    ),
    _sessions(_MENTOR, seats.c.mentor_id == bindparam("mentor_id"), LIVE_SEAT),
    _sessions(_STUDENT, seats.c.student_id == bindparam("student"), seats.c.guild_id == bindparam("guild")),
)


@dataclass(frozen=True, slots=True)
class Calendar:
    """A mentor's hours and what is booked around the span that can be booked."""

    hours: Hours
    booked: Booked
    # The stored rows behind ``hours.windows`` and ``hours.days_off`` (id, value), in order.
    windows: tuple[tuple[int, Window], ...]
    days_off: tuple[tuple[int, DaysOff], ...]


def read_calendar(
    tx: Tx,
    mentor: MentorHours,
    *,
    student_user_id: int | None = None,
    moving_session_id: int | None = None,
) -> Calendar:
    """One statement: ``mentor``'s windows, days off from today (their zone) on, and the sessions that
    can stand in the way of a slot between now and the horizon (the student's too, when given)."""
    rules = mentor.rules
    earliest = tx.now + timedelta(hours=rules.notice_hours)
    latest = tx.now + timedelta(days=rules.horizon_days)
    reach = timedelta(minutes=rules.buffer_minutes) + _LONGEST_SESSION
    rows = tx.conn.execute(
        _CALENDAR,
        {
            "mentor_id": mentor.mentor_id,
            "from_day": local_today(tx.now, mentor.zone),
            # Wide enough for a session overlapping the first slot, and for the first and last local
            # day's count toward the cap.
            "from_instant": earliest - max(reach, _LONGEST_DAY),
            "to_instant": latest + max(reach, _LONGEST_DAY),
            "student": student_user_id,
            "guild": mentor.guild_id,
            "moving": moving_session_id if moving_session_id is not None else -1,
        },
    ).all()
    windows = sorted(
        (
            (row.id, Window(row.weekday, row.start_minute, row.end_minute))
            for row in rows
            if row.kind == _WINDOW
        ),
        key=lambda item: (item[1].weekday, item[1].start_minute),
    )
    days_off = sorted(
        ((row.id, DaysOff(row.first_day, row.last_day)) for row in rows if row.kind == _DAYS_OFF),
        key=lambda item: (item[1].first, item[1].last),
    )
    mentor_busy = tuple(Busy(row.starts_at, row.minutes) for row in rows if row.kind == _MENTOR)
    student_busy = tuple(Busy(row.starts_at, row.minutes) for row in rows if row.kind == _STUDENT)
    return Calendar(
        Hours(mentor.zone, tuple(w for _, w in windows), tuple(d for _, d in days_off), rules),
        Booked(mentor_busy, student_busy),
        tuple(windows),
        tuple(days_off),
    )


def local_today(now: datetime, zone: str) -> date:
    """The date it is in ``zone`` at ``now``."""
    return now.astimezone(ZoneInfo(zone)).date()
