"""Finding the seat a command acts on: the student's live seat with the caller (a mentor), or for an
admin the student's only live seat; and what a seat that gains a live pack becomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from core.domain import Actor, SeatStatus
from core.errors import InvalidInput, NotAllowed, NotFound
from core.locks import lock_seats_of_student
from core.schema import LIVE_SEAT, mentors, seats
from core.texts import mention
from core.tx import AnyRow, Tx

# A live seat that gains a live pack (a grant on it, an undone completion, an extended pack): active
# again, and a grace it was in is over, with its final warning.
GAINS_A_LIVE_PACK: dict[str, Any] = {
    "active_packs": seats.c.active_packs + 1,
    "status": SeatStatus.ACTIVE.value,
    "grace_ends_at": None,
    "final_warning_at": None,
    "final_warning_queued": False,
}


@dataclass(frozen=True, slots=True)
class SeatRef:
    seat_id: int
    status: str
    mentor_user_id: int
    student_user_id: int


SEAT_COLUMNS = (seats.c.id, seats.c.status, mentors.c.user_id.label("mentor_user_id"), seats.c.student_id)
_SEAT_REF = (
    select(*SEAT_COLUMNS)
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .where(
        seats.c.guild_id == bindparam("guild_id"),
        seats.c.student_id == bindparam("student_id"),
        LIVE_SEAT,
    )
    .order_by(seats.c.id)
)


def seat_for(
    tx: Tx, *, guild_id: int, actor: Actor, student_user_id: int, purpose: str, several: str
) -> SeatRef:
    """The student's live seat the caller may act on: their own seat with the student when the caller
    is the mentor, else (for an admin) the student's only live seat. The student's seats here are taken
    first (``core.locks``)."""
    lock_seats_of_student(tx, student_user_id, guild_id=guild_id)
    rows = tx.conn.execute(_SEAT_REF, {"guild_id": guild_id, "student_id": student_user_id}).all()
    return seat_ref(
        pick_seat(rows, actor=actor, student_user_id=student_user_id, purpose=purpose, several=several)
    )


def pick_seat(rows: Sequence[Any], *, actor: Actor, student_user_id: int, purpose: str, several: str) -> Any:
    """Of the student's live seats (rows with ``mentor_user_id``), the one the caller may act on."""
    own = [row for row in rows if row.mentor_user_id == actor.user_id]
    if own:
        return own[0]
    if not actor.is_admin:
        if not rows:
            raise NotFound(
                f"{mention(student_user_id)} has no seat with you; an admin can grant them a pack with /pack grant."
            )
        raise NotAllowed(f"Only {mention(student_user_id)}'s mentor or an admin can {purpose}.")
    if not rows:
        raise NotFound(
            f"{mention(student_user_id)} has no seat with any mentor here; grant them a pack with /pack grant."
        )
    if len(rows) > 1:
        raise InvalidInput(f"{mention(student_user_id)} has seats with several mentors; {several}.")
    return rows[0]


def seat_ref(row: Any) -> SeatRef:
    return SeatRef(row.id, row.status, row.mentor_user_id, row.student_id)


def mentor_row(tx: Tx, guild_id: int, mentor_user_id: int, *, lock: bool = False) -> AnyRow:
    """Mentor ``mentor_user_id``'s row here (id, seats held, capacity), refused when they are not one."""
    query = select(mentors.c.id, mentors.c.seats_held, mentors.c.capacity).where(
        mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id, mentors.c.removed_at.is_(None)
    )
    row = tx.conn.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(
            f"{mention(mentor_user_id)} is not a mentor here; register them first with /mentor add."
        )
    return row


def narrowed(query: Any, typed: str, number: Any) -> Any:
    """An autocomplete's ``query`` narrowed by what was typed: ``#12`` or ``12`` the row ``number``,
    other text a part of the student's or the mentor's name. In SQL, before the 25 are taken."""
    wanted = typed.strip().lstrip("#").lower()
    if wanted.isdigit():
        return query.where(number == int(wanted))
    if wanted:
        pattern = f"%{wanted}%"
        return query.where(
            or_(
                func.lower(seats.c.student_name).like(pattern),
                func.lower(mentors.c.display_name).like(pattern),
            )
        )
    return query
