"""The mentor an ``/hours`` command or a booking is about, read in one statement with everything about
them that is one value: their row, their zone (their own ``/timezone``, else the server's
``TIME_ZONE``), their booking rules with where each comes from, and, for a student, the seat with
them and the latest end of a pack that can still take a booking.

Who may act: a mentor on their own hours, an admin on any mentor's (the ``mentor`` option); anyone
else is refused, and someone who is not a mentor here is told that an admin registers mentors.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from core.domain import SESSION_MINUTES_DEFAULT, Actor, PackStatus
from core.errors import InvalidInput, NotAllowed, NotFound
from core.hours.results import DEFAULT, MENTORS_OWN, SERVERS, RuleInForce
from core.hours.slots import BookingRules
from core.registry import SERVER_SETTINGS, SettingsError
from core.schema import (
    LIVE_SEAT,
    hours_rules,
    member_time_zones,
    mentors,
    packs,
    seats,
    server_settings,
    sessions,
    sql,
)
from core.texts import mention
from core.tx import Tx
from core.when import zone_named

# The server settings a mentor's hours fall back on (R14, R15, R21).
ZONE, NOTICE, HORIZON = "time_zone", "min_notice_hours", "booking_horizon_days"
# A rule's /hours rules option name, its column, and its default when neither mentor nor server set it.
RULES = (
    ("length", "length_minutes", SESSION_MINUTES_DEFAULT),
    ("buffer", "buffer_minutes", 0),
    ("notice_hours", "notice_hours", None),  # the server's MIN_NOTICE_HOURS
    ("daily_max", "daily_max", 0),
    ("horizon_days", "horizon_days", None),  # the server's BOOKING_HORIZON_DAYS
)
_SERVER_DEFAULT = {"notice_hours": NOTICE, "horizon_days": HORIZON}


@dataclass(frozen=True, slots=True)
class MentorHours:
    """One mentor as the hours see them (read by ``mentor_hours``)."""

    mentor_id: int
    mentor_user_id: int
    guild_id: int
    zone: str
    rules: BookingRules
    rules_shown: tuple[RuleInForce, ...]
    # For a student: their live seat with this mentor, and the latest end of an active pack on it
    # with an unbooked session (or, when moving a session, the end of that session's pack).
    seat_id: int | None = None
    not_after: datetime | None = None


def _setting(name: str) -> Any:
    return (
        select(server_settings.c.value)
        .where(server_settings.c.guild_id == mentors.c.guild_id, server_settings.c.name == name)
        .scalar_subquery()
    )


_STUDENT_SEAT = (LIVE_SEAT, seats.c.mentor_id == mentors.c.id, seats.c.student_id == bindparam("student"))
_PACK_END = (
    select(func.max(packs.c.ends_at))
    .join_from(packs, seats, seats.c.id == packs.c.seat_id)
    .where(
        *_STUDENT_SEAT,
        packs.c.status == sql(PackStatus.ACTIVE.value),
        packs.c.ends_at > bindparam("now"),
        packs.c.sessions_left - packs.c.sessions_booked > 0,
    )
    .scalar_subquery()
)
_MOVING_PACK_END = (
    select(packs.c.ends_at)
    .join_from(sessions, packs, packs.c.id == sessions.c.pack_id)
    .where(sessions.c.id == bindparam("moving"))
    .scalar_subquery()
)
_WHO = (
    select(
        mentors.c.id,
        mentors.c.user_id,
        member_time_zones.c.time_zone.label("own_zone"),
        *(hours_rules.c[column] for _, column, _ in RULES),
        _setting(ZONE).label(ZONE),
        _setting(NOTICE).label(NOTICE),
        _setting(HORIZON).label(HORIZON),
        select(seats.c.id).where(*_STUDENT_SEAT).scalar_subquery().label("seat_id"),
        _PACK_END.label("pack_end"),
        _MOVING_PACK_END.label("moving_pack_end"),
    )
    .select_from(
        mentors.outerjoin(member_time_zones, member_time_zones.c.user_id == mentors.c.user_id).outerjoin(
            hours_rules, hours_rules.c.mentor_id == mentors.c.id
        )
    )
    .where(
        mentors.c.guild_id == bindparam("guild"),
        mentors.c.user_id == bindparam("mentor"),
        mentors.c.removed_at.is_(None),
    )
)
# Inside a write: holds the mentor's row, so two changes of one mentor's hours, or two bookings of one
# mentor's slots, take turns (PostgreSQL; SQLite writes one at a time).
_WHO_LOCKED = _WHO.with_for_update(of=mentors)


def mentor_hours(
    tx: Tx,
    *,
    guild_id: int,
    mentor_user_id: int,
    student_user_id: int | None = None,
    moving_session_id: int | None = None,
    lock: bool = False,
) -> MentorHours | None:
    """The mentor ``mentor_user_id`` of this server as the hours see them, or ``None`` when they are
    not a mentor here. One statement."""
    row = tx.conn.execute(
        _WHO_LOCKED if lock else _WHO,
        {
            "guild": guild_id,
            "mentor": mentor_user_id,
            "student": student_user_id,
            "now": tx.now,
            "moving": moving_session_id,
        },
    ).one_or_none()
    if row is None:
        return None
    texts = {name: getattr(row, name) for name in (ZONE, NOTICE, HORIZON)}
    server = _server_values(tx, texts)
    shown = tuple(_rule(row, name, column, default, server) for name, column, default in RULES)
    values = {rule.name: rule.value for rule in shown}
    rules = BookingRules(
        length_minutes=values["length"],
        buffer_minutes=values["buffer"],
        notice_hours=values["notice_hours"],
        daily_max=values["daily_max"],
        horizon_days=values["horizon_days"],
    )
    return MentorHours(
        mentor_id=row.id,
        mentor_user_id=row.user_id,
        guild_id=guild_id,
        zone=_zone(row.own_zone, server[ZONE][0]),
        rules=rules,
        rules_shown=shown,
        seat_id=row.seat_id,
        not_after=row.moving_pack_end if moving_session_id is not None else row.pack_end,
    )


def acting_on(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int | None, what: str, lock: bool = False
) -> MentorHours:
    """The mentor whose hours the caller acts on (``what``: "change", "see"): themself, or, for an
    admin, the one named. Refused to anyone else, and when that person is not a mentor here."""
    target = actor.user_id if mentor_user_id is None else mentor_user_id
    if target != actor.user_id and not actor.is_admin:
        raise NotAllowed(
            f"Only an admin can {what} another mentor's hours; leave out the mentor option to {what} your own."
        )
    found = mentor_hours(tx, guild_id=guild_id, mentor_user_id=target, lock=lock)
    if found is not None:
        return found
    if target != actor.user_id:
        raise NotFound(f"{mention(target)} is not a mentor here; register them first with /mentor add.")
    if actor.is_admin:
        raise NotFound(
            "You are not a mentor here; name the mentor with the mentor option, "
            "or register yourself with /mentor add."
        )
    raise NotFound(
        "You are not a mentor here, so you have no hours to publish; an admin registers mentors with /mentor add."
    )


_MENTORS_OF_STUDENT = (
    select(mentors.c.user_id)
    .join_from(seats, mentors, mentors.c.id == seats.c.mentor_id)
    .where(seats.c.student_id == bindparam("student"), seats.c.guild_id == bindparam("guild"), LIVE_SEAT)
    .order_by(seats.c.id)
)


def mentor_of_student(tx: Tx, *, guild_id: int, student_user_id: int) -> int:
    """The mentor of the student's only live seat here (``/book`` without ``mentor``)."""
    found = list(
        tx.conn.execute(_MENTORS_OF_STUDENT, {"student": student_user_id, "guild": guild_id}).scalars()
    )
    if not found:
        raise NotFound(
            "You have no seat with a mentor here; join a mentor's waitlist with /waitlist join, "
            "or ask an admin for a pack."
        )
    if len(set(found)) > 1:
        raise InvalidInput(
            "You have seats with several mentors; name the one to book with the mentor option."
        )
    return int(found[0])


def _server_values(tx: Tx, texts: dict[str, str | None]) -> dict[str, tuple[Any, str]]:
    """The server's value of each setting and whether it is its own (``SERVERS``) or the environment's;
    a stored text that no longer reads falls back to the environment's, as ``core.settings.policy``."""
    values: dict[str, tuple[Any, str]] = {}
    for name, text in texts.items():
        values[name] = (getattr(tx.defaults, name), DEFAULT)
        if text is not None:
            with contextlib.suppress(SettingsError):
                values[name] = (SERVER_SETTINGS[name].validate(text), SERVERS)
    return values


def _rule(
    row: Any, name: str, column: str, default: int | None, server: dict[str, tuple[Any, str]]
) -> RuleInForce:
    own = getattr(row, column)
    if own is not None:
        return RuleInForce(name, int(own), MENTORS_OWN)
    if default is None:
        value, source = server[_SERVER_DEFAULT[name]]
        return RuleInForce(name, int(value), source)
    return RuleInForce(name, default, DEFAULT)


def _zone(own: str | None, servers: str) -> str:
    """The mentor's own zone, else the server's; a zone the system's tz database no longer has is
    passed over, as ``core.settings.time_zone_of`` does."""
    if own is not None:
        try:
            zone_named(own)
            return own
        except InvalidInput:
            pass
    return servers
