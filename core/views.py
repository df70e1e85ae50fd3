"""Read models: what ``/mysessions``, ``/roster``, ``/seats`` and the session autocomplete show.

Plain queries in one read transaction, returning the frozen views of ``core.domain``. A handful of
statements per view, whatever the number of seats (no query per row).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import String, cast, func, or_, select

from core.domain import (
    Actor,
    MentorLoad,
    PackStatus,
    PackView,
    Roster,
    SeatStatus,
    SeatView,
    SessionStatus,
    SessionView,
)
from core.errors import NotAllowed, NotFound
from core.schema import LIVE_SEAT, mentors, packs, seats, sessions, sql, with_people
from core.tx import AnyRow, Tx

# Closed packs stay on view this long, so a student in grace still sees the pack they finished.
RECENT_PACKS = timedelta(days=30)
MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices

_SEAT_COLUMNS = (
    seats.c.id,
    seats.c.guild_id,
    seats.c.student_id,
    seats.c.student_name,
    seats.c.status,
    seats.c.grace_ends_at,
    mentors.c.user_id.label("mentor_user_id"),
    mentors.c.display_name.label("mentor_name"),
)


def _seat_views(tx: Tx, seat_rows: list[AnyRow]) -> list[SeatView]:
    """Attach each seat's packs (active, or closed recently) and booked sessions."""
    if not seat_rows:
        return []
    ids = [row.id for row in seat_rows]
    pack_map: dict[int, list[PackView]] = defaultdict(list)
    for row in tx.conn.execute(
        select(packs)
        .where(
            packs.c.seat_id.in_(ids),
            or_(packs.c.status == PackStatus.ACTIVE.value, packs.c.closed_at >= tx.now - RECENT_PACKS),
        )
        .order_by(packs.c.granted_at, packs.c.id)
    ):
        pack_map[row.seat_id].append(
            PackView(
                pack_id=row.id,
                total=row.sessions_total,
                left=row.sessions_left,
                booked=row.sessions_booked,
                forfeited=row.sessions_forfeited,
                status=PackStatus(row.status),
                granted_at=row.granted_at,
                ends_at=row.ends_at,
            )
        )
    session_map: dict[int, list[SessionView]] = defaultdict(list)
    names = {row.id: (row.student_id, row.student_name, row.mentor_user_id) for row in seat_rows}
    for row in tx.conn.execute(
        select(
            sessions.c.id, sessions.c.seat_id, sessions.c.pack_id, sessions.c.starts_at, sessions.c.minutes
        )
        .where(sessions.c.seat_id.in_(ids), sessions.c.status == SessionStatus.SCHEDULED.value)
        .order_by(sessions.c.starts_at, sessions.c.id)
    ):
        student_user_id, student_name, mentor_user_id = names[row.seat_id]
        session_map[row.seat_id].append(
            SessionView(
                session_id=row.id,
                pack_id=row.pack_id,
                student_user_id=student_user_id,
                student_name=student_name,
                mentor_user_id=mentor_user_id,
                starts_at=row.starts_at,
                minutes=row.minutes,
            )
        )
    return [
        SeatView(
            seat_id=row.id,
            guild_id=row.guild_id,
            mentor_user_id=row.mentor_user_id,
            mentor_name=row.mentor_name,
            student_user_id=row.student_id,
            student_name=row.student_name,
            status=SeatStatus(row.status),
            grace_ends_at=row.grace_ends_at,
            packs=tuple(pack_map[row.id]),
            sessions=tuple(session_map[row.id]),
        )
        for row in seat_rows
    ]


def my_seats(tx: Tx, *, user_id: int, guild_id: int | None = None) -> list[SeatView]:
    """``/mysessions``: the user's live seats (in ``guild_id``, or in every server from a DM)."""
    query = (
        select(*_SEAT_COLUMNS)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.student_id == user_id, LIVE_SEAT)
        .order_by(seats.c.guild_id, seats.c.id)
    )
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    return _seat_views(tx, list(tx.conn.execute(query)))


def roster(tx: Tx, *, guild_id: int, mentor_user_id: int) -> Roster:
    """``/roster``: a mentor's live seats; refused when the user is not a mentor here."""
    mentor = tx.conn.execute(
        select(mentors.c.id, mentors.c.capacity, mentors.c.seats_held).where(
            mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id
        )
    ).one_or_none()
    if mentor is None:
        raise NotFound("You're not a mentor here; an admin can register you with /mentor add.")
    rows = list(
        tx.conn.execute(
            select(*_SEAT_COLUMNS)
            .join(mentors, mentors.c.id == seats.c.mentor_id)
            .where(seats.c.mentor_id == mentor.id, LIVE_SEAT)
            .order_by(seats.c.id)
        )
    )
    return Roster(
        mentor_user_id=mentor_user_id,
        capacity=mentor.capacity,
        seats_held=mentor.seats_held,
        seats=tuple(_seat_views(tx, rows)),
    )


def mentor_loads(tx: Tx, *, guild_id: int, actor: Actor) -> list[MentorLoad]:
    """``/seats``: every mentor's seats held of capacity, and the seats in grace with their deadlines.
    Only an admin may see it."""
    if not actor.is_admin:
        raise NotAllowed("Only an admin (Manage Server, or the admin role) can see every mentor's seats.")
    mentor_rows = list(
        tx.conn.execute(
            select(
                mentors.c.id,
                mentors.c.user_id,
                mentors.c.display_name,
                mentors.c.capacity,
                mentors.c.seats_held,
            )
            .where(mentors.c.guild_id == guild_id)
            .order_by(mentors.c.display_name, mentors.c.user_id)
        )
    )
    grace: dict[int, list[SeatView]] = defaultdict(list)
    for row in tx.conn.execute(
        select(*_SEAT_COLUMNS)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.guild_id == guild_id, seats.c.status == sql(SeatStatus.GRACE.value))
        .order_by(seats.c.grace_ends_at)
    ):
        grace[row.mentor_user_id].append(
            SeatView(
                seat_id=row.id,
                guild_id=row.guild_id,
                mentor_user_id=row.mentor_user_id,
                mentor_name=row.mentor_name,
                student_user_id=row.student_id,
                student_name=row.student_name,
                status=SeatStatus.GRACE,
                grace_ends_at=row.grace_ends_at,
            )
        )
    return [
        MentorLoad(
            mentor_user_id=row.user_id,
            mentor_name=row.display_name,
            capacity=row.capacity,
            seats_held=row.seats_held,
            grace_seats=tuple(grace[row.user_id]),
        )
        for row in mentor_rows
    ]


def session_choices(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int | None = None,
    typed: str = "",
    limit: int = MAX_CHOICES,
    as_student: bool = False,
) -> list[SessionView]:
    """Booked sessions the caller may act on, soonest first: their own as a mentor; for an admin,
    also every other mentor's (narrowed to ``student_user_id`` when given); with ``as_student`` (for
    /cancel, R18) also those booked for the caller as a student.

    ``typed`` (what the user typed so far) narrows them in SQL before the ``limit`` is taken, so a
    session beyond the soonest ``limit`` is found: "#12" by its number, other text by the student's
    name or the session's number."""
    query = (
        with_people(sessions, sessions.c.id, sessions.c.pack_id, sessions.c.starts_at, sessions.c.minutes)
        .where(sessions.c.guild_id == guild_id, sessions.c.status == sql(SessionStatus.SCHEDULED.value))
        .order_by(sessions.c.starts_at, sessions.c.id)
        .limit(limit)
    )
    if not actor.is_admin:
        own = mentors.c.user_id == actor.user_id
        query = query.where(or_(own, seats.c.student_id == actor.user_id) if as_student else own)
    if student_user_id is not None:
        query = query.where(seats.c.student_id == student_user_id)
    text = typed.strip().lower()
    number = cast(sessions.c.id, String)
    if text.startswith("#"):
        query = query.where(number.startswith(text[1:], autoescape=True))
    elif text:
        query = query.where(
            or_(
                func.lower(seats.c.student_name).contains(text, autoescape=True),
                number.startswith(text, autoescape=True),
            )
        )
    return [
        SessionView(
            session_id=row.id,
            pack_id=row.pack_id,
            student_user_id=row.student_id,
            student_name=row.student_name,
            mentor_user_id=row.mentor_user_id,
            starts_at=row.starts_at,
            minutes=row.minutes,
        )
        for row in tx.conn.execute(query)
    ]
