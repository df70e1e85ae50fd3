"""A mentor's days off (R21): ``/hours off from [to] [mentor]``, whole local days in the mentor's zone
on which no slot is open.

A day off takes no new booking; sessions already booked on those days stay (the result says how many,
so the mentor can move or cancel them). The same days again change nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, bindparam, func, insert, select

from core import history
from core.domain import Actor, SessionStatus
from core.errors import InvalidInput
from core.hours.calendar import local_today
from core.hours.labels import days_off_label
from core.hours.lookup import acting_on
from core.hours.reading import local_day
from core.hours.results import DaysOffAdded, DaysOffShown
from core.schema import LIVE_SEAT, hours_days_off, seats, sessions, sql
from core.tx import Tx

_MENTOR: BindParameter[int] = bindparam("mentor_id")
# One statement: are these days off already (one stored run holds them all), and how many sessions of
# this mentor are booked on them.
_BEFORE = select(
    select(hours_days_off.c.id)
    .where(
        hours_days_off.c.mentor_id == _MENTOR,
        hours_days_off.c.last_day >= bindparam("last"),
        hours_days_off.c.first_day <= bindparam("first"),
    )
    .limit(1)
    .scalar_subquery()
    .label("covering"),
    select(func.count())
    .select_from(sessions)
    .join(seats, seats.c.id == sessions.c.seat_id)
    .where(
        seats.c.mentor_id == _MENTOR,
        LIVE_SEAT,
        sessions.c.status == sql(SessionStatus.SCHEDULED.value),
        sessions.c.starts_at >= bindparam("from_instant"),
        sessions.c.starts_at < bindparam("to_instant"),
    )
    .scalar_subquery()
    .label("booked"),
)


def add_days_off(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    first: str,
    last: str | None = None,
    mentor_user_id: int | None = None,
) -> DaysOffAdded:
    """R21: a mentor (or an admin, for ``mentor_user_id``) takes the days ``first`` to ``last`` (one
    day without it) off, read as local dates in the mentor's zone; none may be in the past."""
    mentor = acting_on(
        tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="change", lock=True
    )
    first_day, last_day = _days_asked(first, last, local_today(tx.now, mentor.zone), mentor.zone)
    tz = ZoneInfo(mentor.zone)
    before = tx.conn.execute(
        _BEFORE,
        {
            "mentor_id": mentor.mentor_id,
            "first": first_day,
            "last": last_day,
            "from_instant": _midnight(first_day, tz),
            "to_instant": _midnight(last_day + timedelta(days=1), tz),
        },
    ).one()
    shown = DaysOffShown(before.covering or 0, first_day, last_day, days_off_label(first_day, last_day))
    if before.covering is not None:
        return DaysOffAdded(mentor.mentor_user_id, mentor.zone, shown, before.booked, already=True)
    days_off_id = tx.conn.execute(
        insert(hours_days_off)
        .values(
            guild_id=guild_id,
            mentor_id=mentor.mentor_id,
            first_day=first_day,
            last_day=last_day,
            created_at=tx.now,
            created_by=actor.user_id,
        )
        .returning(hours_days_off.c.id)
    ).scalar_one()
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="hours_days_off_added",
        mentor_user_id=mentor.mentor_user_id,
        first=first_day.isoformat(),
        last=last_day.isoformat(),
        zone=mentor.zone,
    )
    return DaysOffAdded(
        mentor.mentor_user_id,
        mentor.zone,
        DaysOffShown(days_off_id, first_day, last_day, shown.label),
        before.booked,
    )


def _days_asked(first: str, last: str | None, today: date, zone: str) -> tuple[date, date]:
    """The first and last day off the mentor typed, read on their ``today``: none in the past, in order."""
    first_day = local_day(first, today=today)
    last_day = first_day if last is None or not last.strip() else local_day(last, today=today)
    if first_day < today:
        raise InvalidInput(
            f"{first_day:%a %d %b %Y} is in the past (today is {today:%a %d %b %Y} in {zone}); "
            "take today or a later day off."
        )
    if last_day < first_day:
        raise InvalidInput(
            f"The last day off ({last_day:%a %d %b %Y}) is before the first ({first_day:%a %d %b %Y}); "
            "give them in order, or one day alone."
        )
    return first_day, last_day


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant local ``day`` begins (a midnight the clocks skip begins the day at the jump)."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
