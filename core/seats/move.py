"""R16 ``/seat move``: a live seat, its packs and booked sessions, moved to another mentor with a free
seat; both mentors and the student are told."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, func, select, update

from core import changes, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, NotificationStatus, PackStatus, require_admin
from core.errors import InvalidInput, NoFreeSeat, NotFound
from core.locks import lock_seats_of_student
from core.schema import LIVE_SEAT, mentors, notifications, packs, seats
from core.seats.lookup import mentor_row
from core.seats.results import SeatMoved
from core.texts import mention, plural
from core.tx import AnyRow, Tx
from core.waitlist.offers import seat_freed

_LIVE_SEAT_OF = select(seats.c.id, seats.c.status).where(
    seats.c.mentor_id == bindparam("mentor_id"), seats.c.student_id == bindparam("student_id"), LIVE_SEAT
)


def _readdress_owed(tx: Tx, seat_id: int, old_mentor: int, new_mentor: int) -> None:
    """The DMs still owed about a moved seat (a booking or a reminder waiting to be retried, say) were
    written with its old mentor: they now name the new one, and what was owed to the old mentor goes
    to the new one, whose student it is now."""
    _n = notifications.c
    tx.conn.execute(
        update(notifications)
        .where(_n.seat_id == seat_id, _n.status == NotificationStatus.PENDING.value)
        .values(
            body=func.replace(_n.body, mention(old_mentor), mention(new_mentor)),
            recipient_id=case((_n.recipient_id == old_mentor, new_mentor), else_=_n.recipient_id),
            mentor_user_id=case((_n.mentor_user_id == old_mentor, new_mentor), else_=_n.mentor_user_id),
        )
    )


def move_seat(
    tx: Tx, *, guild_id: int, actor: Actor, student_user_id: int, mentor_user_id: int, new_mentor_user_id: int
) -> SeatMoved:
    """R16: move the student's live seat with ``mentor_user_id``, its packs and booked sessions, to
    ``new_mentor_user_id``, who must have a free seat. Both mentors and the student are told."""
    require_admin(actor, "move seats")
    if new_mentor_user_id == mentor_user_id:
        raise InvalidInput("The new mentor is the same as the current one; pick another mentor.")
    if student_user_id == new_mentor_user_id:
        raise InvalidInput("A mentor can't hold a seat with themselves; pick another new mentor.")
    lock_seats_of_student(tx, student_user_id, guild_id=guild_id)  # the seat first, the mentors after
    old = mentor_row(tx, guild_id, mentor_user_id)
    new = mentor_row(tx, guild_id, new_mentor_user_id)
    result: dict[str, Any] = {
        "student_user_id": student_user_id,
        "from_mentor_user_id": mentor_user_id,
        "to_mentor_user_id": new_mentor_user_id,
    }
    seat = tx.conn.execute(
        _LIVE_SEAT_OF.with_for_update(), {"mentor_id": old.id, "student_id": student_user_id}
    ).one_or_none()
    there = tx.conn.execute(_LIVE_SEAT_OF, {"mentor_id": new.id, "student_id": student_user_id}).one_or_none()
    if seat is None and there is not None:
        # The same move again (a double click, a second process): it is done.
        return SeatMoved(seat_id=there.id, **result, already_moved=True)
    seat = _movable(seat, there, student_user_id, mentor_user_id, new_mentor_user_id)
    _hand_over(tx, seat.id, old, new, new_mentor_user_id)
    _readdress_owed(tx, seat.id, mentor_user_id, new_mentor_user_id)
    counts = tx.conn.execute(
        select(
            func.count(packs.c.id),
            func.coalesce(
                func.sum(case((packs.c.status == PackStatus.ACTIVE.value, packs.c.sessions_left), else_=0)), 0
            ),
            func.coalesce(func.sum(packs.c.sessions_booked), 0),
        ).where(packs.c.seat_id == seat.id)
    ).one()
    ids = _tell_moved(
        tx,
        About(guild_id, seat.id),
        actor,
        (student_user_id, mentor_user_id, new_mentor_user_id),
        int(counts[1]),
        int(counts[2]),
    )
    return SeatMoved(
        seat_id=seat.id, **result, packs=int(counts[0]), booked_sessions=int(counts[2]), notification_ids=ids
    )


def _movable(
    seat: AnyRow | None,
    there: AnyRow | None,
    student_user_id: int,
    mentor_user_id: int,
    new_mentor_user_id: int,
) -> AnyRow:
    """The seat to move, refused when the student holds none with the mentor, or one with the new
    mentor already."""
    if seat is None:
        raise NotFound(
            f"{mention(student_user_id)} holds no seat with {mention(mentor_user_id)}; check /student to see "
            "their seats."
        )
    if there is not None:
        raise InvalidInput(
            f"{mention(student_user_id)} already holds a seat with {mention(new_mentor_user_id)}; revoke the "
            "pack of one of them with /pack revoke instead."
        )
    return seat


def _hand_over(tx: Tx, seat_id: int, old: AnyRow, new: AnyRow, new_mentor_user_id: int) -> None:
    """Seat ``seat_id`` goes from mentor row ``old`` to ``new``: a seat of the new mentor's reserved
    (refused when they have none free), the old mentor's freed."""
    reserved = tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == new.id, mentors.c.seats_held < mentors.c.capacity)
        .values(seats_held=mentors.c.seats_held + 1)
        .returning(mentors.c.seats_held)
    ).scalar()
    if reserved is None:
        raise NoFreeSeat(
            f"{mention(new_mentor_user_id)} has no free seat ({new.seats_held} of "
            f"{plural(new.capacity, 'seat')} held); raise their seats with /mentor add first."
        )
    moved = tx.conn.execute(
        update(seats)
        .where(seats.c.id == seat_id, seats.c.mentor_id == old.id, LIVE_SEAT)
        .values(mentor_id=new.id)
    ).rowcount
    if moved != 1:
        raise RuntimeError(f"seat {seat_id} changed while it was being moved")
    tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == old.id, mentors.c.seats_held > 0)
        .values(seats_held=mentors.c.seats_held - 1)
    )
    seat_freed(tx, old.id)


def _tell_moved(
    tx: Tx, seat: About, actor: Actor, people: tuple[int, int, int], left: int, booked: int
) -> tuple[int, ...]:
    """Tell the student and both mentors (``people``: student, old mentor, new mentor) of the move,
    and record it."""
    student_user_id, mentor_user_id, new_mentor_user_id = people
    # Each move its own DMs: a seat may move again later (the moment names this one).
    this_move = f"seat:{seat.seat_id}:{int(tx.now.timestamp())}"
    return changes.record(
        tx,
        seat,
        "seat_moved",
        actor_id=actor.user_id,
        owed=[
            dm(
                seat,
                NotificationKind.SEAT_MOVED,
                student_user_id,
                texts.seat_moved(mentor_user_id, new_mentor_user_id),
                mentor=new_mentor_user_id,
                subject=this_move,
            ),
            dm(
                seat,
                NotificationKind.SEAT_MOVED_MENTOR,
                mentor_user_id,
                texts.seat_moved_away(student_user_id, new_mentor_user_id),
                subject=f"{this_move}:from",
            ),
            dm(
                seat,
                NotificationKind.SEAT_MOVED_MENTOR,
                new_mentor_user_id,
                texts.seat_moved_here(student_user_id, mentor_user_id, left, booked),
                subject=f"{this_move}:to",
            ),
        ],
        from_mentor_user_id=mentor_user_id,
        to_mentor_user_id=new_mentor_user_id,
    )
