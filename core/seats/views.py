"""Read models of seats: ``/mysessions``' live seats, a mentor's ``/roster`` and every mentor's
``/seats``, each seat with its packs (active, or closed lately) and booked sessions.

Plain queries in one read transaction; a handful of statements per view, whatever the number of seats
(no query per row)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import or_, select

from core.domain import Actor, PackStatus, SeatStatus, SessionStatus, require_admin
from core.errors import NotAllowed, NotFound
from core.schema import LIVE_SEAT, mentors, packs, seats, sessions
from core.seats.results import MentorSeats, PackView, Roster, SeatView, SessionView
from core.texts import mention
from core.tx import AnyRow, Tx

# Closed packs stay on view this long, so a student in grace still sees the pack they finished.
RECENT_PACKS = timedelta(days=30)

SEAT_VIEW_COLUMNS = (
    seats.c.id,
    seats.c.guild_id,
    seats.c.student_id,
    seats.c.student_name,
    seats.c.status,
    seats.c.grace_ends_at,
    mentors.c.user_id.label("mentor_user_id"),
    mentors.c.display_name.label("mentor_name"),
)


def seat_views(tx: Tx, seat_rows: list[AnyRow]) -> list[SeatView]:
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
        pack_map[row.seat_id].append(pack_view(row))
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


def pack_view(row: AnyRow) -> PackView:
    """A row of ``packs`` as a ``PackView``."""
    return PackView(
        pack_id=row.id,
        total=row.sessions_total,
        left=row.sessions_left,
        booked=row.sessions_booked,
        forfeited=row.sessions_forfeited,
        status=PackStatus(row.status),
        granted_at=row.granted_at,
        ends_at=row.ends_at,
    )


def my_seats(tx: Tx, *, user_id: int, guild_id: int | None = None) -> list[SeatView]:
    """``/mysessions``: the user's live seats (in ``guild_id``, or in every server from a DM)."""
    query = (
        select(*SEAT_VIEW_COLUMNS)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.student_id == user_id, LIVE_SEAT)
        .order_by(seats.c.guild_id, seats.c.id)
    )
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    return seat_views(tx, list(tx.conn.execute(query)))


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
            select(*SEAT_VIEW_COLUMNS)
            .join(mentors, mentors.c.id == seats.c.mentor_id)
            .where(seats.c.mentor_id == mentor.id, LIVE_SEAT)
            .order_by(seats.c.id)
        )
    )
    return Roster(
        mentor_user_id=mentor_user_id,
        capacity=mentor.capacity,
        seats_held=mentor.seats_held,
        seats=tuple(seat_views(tx, rows)),
    )


# ---- /roster for admins, /seats with every student -------------------------------------------------


def roster_of(tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int | None = None) -> Roster:
    """``/roster [mentor]``: the caller's own roster, or (for an admin only) any mentor's."""
    if mentor_user_id is None or mentor_user_id == actor.user_id:
        return roster(tx, guild_id=guild_id, mentor_user_id=actor.user_id)
    if not actor.is_admin:
        raise NotAllowed("Only an admin can see another mentor's roster; run /roster alone to see yours.")
    try:
        return roster(tx, guild_id=guild_id, mentor_user_id=mentor_user_id)
    except NotFound:
        raise NotFound(
            f"{mention(mentor_user_id)} is not a mentor here; register them with /mentor add."
        ) from None


def seat_board(tx: Tx, *, guild_id: int, actor: Actor) -> list[MentorSeats]:
    """``/seats``: every mentor's seats held of capacity, with each live seat under its mentor.
    Only an admin may see it. Three statements whatever the number of seats."""
    require_admin(actor, "see every mentor's seats")
    mentor_rows = list(
        tx.conn.execute(
            select(mentors.c.user_id, mentors.c.display_name, mentors.c.capacity, mentors.c.seats_held)
            .where(mentors.c.guild_id == guild_id, mentors.c.removed_at.is_(None))
            .order_by(mentors.c.display_name, mentors.c.user_id)
        )
    )
    seat_rows = list(
        tx.conn.execute(
            select(*SEAT_VIEW_COLUMNS)
            .join(mentors, mentors.c.id == seats.c.mentor_id)
            .where(seats.c.guild_id == guild_id, LIVE_SEAT)
            .order_by(seats.c.id)
        )
    )
    by_mentor: dict[int, list[SeatView]] = defaultdict(list)
    for seat in seat_views(tx, seat_rows):
        by_mentor[seat.mentor_user_id].append(seat)
    return [
        MentorSeats(
            mentor_user_id=row.user_id,
            mentor_name=row.display_name,
            capacity=row.capacity,
            seats_held=row.seats_held,
            seats=tuple(by_mentor[row.user_id]),
        )
        for row in mentor_rows
    ]
