"""The session a command names, and who may act on it; what became of a session no longer booked; and
the one statement a /complete that names no session reads the student's seats with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from core import rules
from core.domain import Actor, SessionStatus
from core.errors import NotAllowed, NotFound, NothingToDo
from core.locks import lock_seat_of_session
from core.schema import LIVE_SEAT, mentors, packs, seats, sessions
from core.seats.lookup import SEAT_COLUMNS
from core.sessions.taking import NOW, oldest_open_pack
from core.texts import mention, timestamp
from core.tx import AnyRow, Tx

SESSION_REF = (
    select(
        sessions.c.id,
        sessions.c.status,
        sessions.c.pack_id,
        sessions.c.seat_id,
        sessions.c.starts_at,
        sessions.c.minutes,
        sessions.c.completed_at,
        sessions.c.number,
        seats.c.student_id,
        mentors.c.user_id.label("mentor_user_id"),
        packs.c.sessions_total,
        packs.c.sessions_left,
        # Asked here, not after the session is taken off the pack (which changes no other pack): has
        # the student renewed, i.e. does the seat hold another live pack (R5, R6)?
        rules.renewed(sessions.c.seat_id, sessions.c.pack_id).label("renewed"),
    )
    .join(seats, seats.c.id == sessions.c.seat_id)
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .join(packs, packs.c.id == sessions.c.pack_id)
    .where(sessions.c.id == bindparam("session_id"), sessions.c.guild_id == bindparam("guild_id"))
    # PostgreSQL: completions and cancellations of one session queue behind each other here.
    .with_for_update(of=sessions)
)


def session_ref(
    tx: Tx, *, guild_id: int, actor: Actor, session_id: int, purpose: str, student_may: bool = False
) -> AnyRow:
    """Session ``session_id`` here, with its seat, pack and people, locked for the change (PostgreSQL);
    refused unless the caller is its mentor or an admin (or, ``student_may``, its student). Its seat is
    taken first (``core.locks``), so what is read here stays true until the change commits."""
    lock_seat_of_session(tx, session_id)
    ref = tx.conn.execute(
        SESSION_REF, {"session_id": session_id, "guild_id": guild_id, "now": tx.now}
    ).one_or_none()
    if ref is None:
        raise NotFound(f"There is no session #{session_id} here; pick one from the list.")
    if student_may and actor.user_id == ref.student_id:
        return ref
    if actor.user_id != ref.mentor_user_id and not actor.is_admin:
        # Said to someone else's student too: the student's own right is no business of theirs.
        raise NotAllowed(
            f"Only {mention(ref.mentor_user_id)} or an admin can {purpose} session #{session_id}."
        )
    return ref


_ENDED = {
    SessionStatus.COMPLETED: "was completed",
    SessionStatus.CANCELLED: "is cancelled",
    SessionStatus.LATE_CANCELLED: "was cancelled late",
    SessionStatus.NO_SHOW: "is marked as a no-show",
    SessionStatus.VOIDED: "was completed and then undone",
}


def refuse_unless_booked(ref: AnyRow, done: str) -> None:
    """A session that is no longer booked can't be cancelled or marked: say what became of it."""
    if ref.status == SessionStatus.SCHEDULED:
        return
    status = SessionStatus(ref.status)
    if status == SessionStatus.CANCELLED and done == "cancelled":
        raise NothingToDo(f"Session #{ref.id} is already cancelled; nothing to do.")
    when_done = f" {timestamp(ref.completed_at, 'R')}" if status == SessionStatus.COMPLETED else ""
    raise NothingToDo(f"Session #{ref.id} {_ENDED[status]}{when_done}, so it can't be {done}.")


# Built once: executing a prebuilt statement reuses its cache key and compiled form, where building one
# per call costs about as much as running it.
BY_REQUEST_KEY = select(sessions.c.id).where(sessions.c.request_key == bindparam("request_key"))


def _next_booked(column: Any) -> Any:
    """``column`` of the seat's earliest booked session (correlated to the seat of the outer query)."""
    return (
        select(column)
        .where(sessions.c.seat_id == seats.c.id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .order_by(sessions.c.starts_at, sessions.c.id)
        .limit(1)
        .correlate(seats)
        .scalar_subquery()
    )


_OPEN_PACK = oldest_open_pack(seats.c.id, NOW).correlate(seats).scalar_subquery()
COMPLETION_LOOKUP = (
    select(
        *SEAT_COLUMNS,
        _next_booked(sessions.c.id).label("next_booked"),
        _next_booked(sessions.c.starts_at).label("next_booked_at"),
        BY_REQUEST_KEY.scalar_subquery().label("repeated"),
        # For a session recorded now: the pack it will be drawn from, and whether the seat holds another
        # live pack besides it (R5, R6), so the completion needs no statement to ask.
        _OPEN_PACK.label("open_pack"),
        rules.renewed(seats.c.id, _OPEN_PACK).label("renewed_besides_open"),
    )
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .where(
        seats.c.guild_id == bindparam("guild_id"),
        seats.c.student_id == bindparam("student_id"),
        LIVE_SEAT,
    )
    .order_by(seats.c.id)
)
