"""The one placement path: the seat a new pack goes on.

With a mentor named (``/pack grant``, and every purchase through it): the student's live seat with
the mentor, else the seat offered to them from the waitlist (R19), else a free one, reserved with a
conditional update of the mentor's ``seats_held`` that can never pass their capacity
(``seat_for_pack``). For a pack the student bought without naming a mentor (R17, and Stripe's
checkout, R23): their most urgent seat (``buyers_seat``), which the grant then joins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select, text, update

from core import history
from core.domain import PackStatus, SeatStatus
from core.errors import NoFreeSeat
from core.locks import lock_seats_of_student
from core.schema import LIVE_SEAT, LIVE_SEAT_SQL, OFFERED_SEAT, mentors, packs, seats
from core.seats.lookup import GAINS_A_LIVE_PACK
from core.texts import mention, plural
from core.tx import PICK_ATTEMPTS, Tx
from core.waitlist import took_seat


@dataclass(frozen=True, slots=True)
class SeatTaken:
    """The seat a grant goes on, whether it is new, and whether it came back from grace."""

    seat_id: int
    new: bool
    from_grace: bool


# Seats a bought pack can go to, in the spec's order: the one in grace, else one offered to the buyer
# (R19), else a live one.
_TARGET_STATUSES = (SeatStatus.GRACE.value, SeatStatus.OFFERED.value, SeatStatus.ACTIVE.value)
_FAR = datetime.max.replace(tzinfo=UTC)

_LIVE_SEAT_EXISTS = select(
    exists().where(
        seats.c.mentor_id == bindparam("mentor"), seats.c.student_id == bindparam("student"), LIVE_SEAT
    )
)


@dataclass(frozen=True, slots=True)
class _Wanted:
    """A seat for ``student_user_id`` with mentor ``mentor_row`` (their row id; ``mentor_user_id`` names
    them) in server ``guild_id``."""

    guild_id: int
    mentor_row: int
    mentor_user_id: int
    student_user_id: int
    student_name: str


def seat_for_pack(
    tx: Tx, guild_id: int, mentor_row: int, mentor_user_id: int, student_user_id: int, student_name: str
) -> SeatTaken:
    """The seat a new pack goes on: the student's live seat with the mentor, else the seat offered to
    them from the waitlist (R19), else a free one. The student's seats with the mentor are taken first
    (``core.locks``); the mentor's row after them."""
    lock_seats_of_student(tx, student_user_id, guild_id=guild_id, mentor_id=mentor_row)
    wanted = _Wanted(guild_id, mentor_row, mentor_user_id, student_user_id, student_name)
    for _ in range(PICK_ATTEMPTS):
        live = tx.conn.execute(
            select(seats.c.id, seats.c.status)
            .where(seats.c.mentor_id == mentor_row, seats.c.student_id == student_user_id, LIVE_SEAT)
            .with_for_update()
        ).one_or_none()
        if live is not None:
            taken = _rejoin(tx, wanted, live)
            if taken is not None:
                return taken
            continue  # released in the meantime: take a new seat
        taken = _take_offered(tx, wanted) or _take_free(tx, wanted)
        if taken is not None:
            return taken
    raise RuntimeError("could not settle the student's seat after several attempts")


def _rejoin(tx: Tx, wanted: _Wanted, live: Any) -> SeatTaken | None:
    """The pack joins the student's live seat (a seat in grace is renewed); None if it was released
    meanwhile."""
    rejoined = tx.conn.execute(
        update(seats)
        .where(seats.c.id == live.id, LIVE_SEAT)
        .values(**GAINS_A_LIVE_PACK, student_name=wanted.student_name[:100] or seats.c.student_name)
        .returning(seats.c.id)
    ).scalar()
    if rejoined is None:
        return None
    if live.status == SeatStatus.GRACE:
        history.record(tx, guild_id=wanted.guild_id, actor_id=None, action="seat_renewed", seat_id=live.id)
    return SeatTaken(live.id, new=False, from_grace=live.status == SeatStatus.GRACE)


def _take_offered(tx: Tx, wanted: _Wanted) -> SeatTaken | None:
    """R19: the seat held for the student turns active; it is already counted in seats_held."""
    offered = tx.conn.execute(
        update(seats)
        .where(
            seats.c.mentor_id == wanted.mentor_row, seats.c.student_id == wanted.student_user_id, OFFERED_SEAT
        )
        .values(
            status=SeatStatus.ACTIVE.value,
            offer_ends_at=None,
            active_packs=seats.c.active_packs + 1,
            student_name=wanted.student_name[:100] or seats.c.student_name,
        )
        .returning(seats.c.id)
    ).scalar()
    if offered is None:
        return None
    took_seat(tx, wanted.mentor_row, wanted.student_user_id)
    history.record(tx, guild_id=wanted.guild_id, actor_id=None, action="waitlist_seat_taken", seat_id=offered)
    return SeatTaken(offered, new=True, from_grace=False)


def _take_free(tx: Tx, wanted: _Wanted) -> SeatTaken | None:
    """A free seat of the mentor's, reserved; refused when they have none. None: another transaction
    gave the student a seat with the mentor just now (look again, and join it)."""
    mentor_row, student_user_id = wanted.mentor_row, wanted.student_user_id
    reserved = tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == mentor_row, mentors.c.seats_held < mentors.c.capacity)
        .values(seats_held=mentors.c.seats_held + 1)
        .returning(mentors.c.seats_held)
    ).scalar()
    if reserved is None:
        # PostgreSQL: a grant for the same student that held the mentor row may have just created
        # the seat; this statement sees what it committed, so join it instead of refusing.
        if tx.conn.execute(_LIVE_SEAT_EXISTS, {"mentor": mentor_row, "student": student_user_id}).scalar():
            return None
        held, capacity = tx.conn.execute(
            select(mentors.c.seats_held, mentors.c.capacity).where(mentors.c.id == mentor_row)
        ).one()
        raise NoFreeSeat(
            f"{mention(wanted.mentor_user_id)} has no free seat ({held} of {plural(capacity, 'seat')} "
            "held); raise their seats with /mentor add or wait for a seat to be released."
        )
    seat_id = tx.conn.execute(
        tx.upsert(seats)
        .values(
            guild_id=wanted.guild_id,
            mentor_id=mentor_row,
            student_id=student_user_id,
            student_name=wanted.student_name[:100],
            status=SeatStatus.ACTIVE.value,
            active_packs=1,
            grace_period=0,
            final_warning_queued=False,
            created_at=tx.now,
        )
        .on_conflict_do_nothing(
            index_elements=["mentor_id", "student_id"],
            # A literal predicate: PostgreSQL cannot match a bound parameter to the partial
            # unique index once it switches to a generic plan (after 5 runs on one connection).
            index_where=text(LIVE_SEAT_SQL),
        )
        .returning(seats.c.id)
    ).scalar()
    if seat_id is not None:
        took_seat(tx, mentor_row, student_user_id)
        history.record(tx, guild_id=wanted.guild_id, actor_id=None, action="seat_reserved", seat_id=seat_id)
        return SeatTaken(seat_id, new=True, from_grace=False)
    # Another transaction gave this student a seat just now: give the reservation back, join it.
    tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == mentor_row, mentors.c.seats_held > 0)
        .values(seats_held=mentors.c.seats_held - 1)
    )
    return None


def buyers_seat(tx: Tx, buyer_user_id: int, *, in_server: int | None, sells: Callable[[int], bool]) -> Any:
    """The seat a pack the student bought goes on (R17): their seat in grace (the soonest deadline
    first), else one offered to them (R19), else their live seat with the fewest sessions left; only
    in ``in_server`` when given, and only in the servers that ``sells`` it. None: no seat takes it.
    The row has the seat's ``id``, ``guild_id``, ``student_name`` and ``mentor_user_id``."""
    left = (
        select(func.coalesce(func.sum(packs.c.sessions_left), 0))
        .where(packs.c.seat_id == seats.c.id, packs.c.status == PackStatus.ACTIVE.value)
        .scalar_subquery()
    )
    ends = (
        select(func.min(packs.c.ends_at))
        .where(packs.c.seat_id == seats.c.id, packs.c.status == PackStatus.ACTIVE.value)
        .scalar_subquery()
    )
    query = (
        select(
            seats.c.id,
            seats.c.guild_id,
            seats.c.status,
            seats.c.grace_ends_at,
            seats.c.student_name,
            mentors.c.user_id.label("mentor_user_id"),
            left.label("sessions_left"),
            ends.label("ends_at"),
        )
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.student_id == buyer_user_id, seats.c.status.in_(_TARGET_STATUSES))
    )
    if in_server is not None:
        query = query.where(seats.c.guild_id == in_server)
    rows = list(tx.conn.execute(query))
    # Each server asked once (its policy is read once per transaction), in id order.
    selling = {guild for guild in sorted({row.guild_id for row in rows}) if sells(guild)}
    candidates = [row for row in rows if row.guild_id in selling]
    return min(candidates, key=_urgency, default=None)


def _urgency(row: Any) -> tuple[int, datetime, int, datetime, int]:
    """R17's order: grace (soonest deadline first), then offered, then the fewest sessions left (the
    pack ending soonest breaks a tie); across servers the same order, so the most urgent seat wins."""
    if row.status == SeatStatus.GRACE.value:
        return (0, row.grace_ends_at or _FAR, 0, _FAR, row.id)
    if row.status == SeatStatus.OFFERED.value:
        return (1, _FAR, 0, _FAR, row.id)
    return (2, _FAR, int(row.sessions_left), row.ends_at or _FAR, row.id)
