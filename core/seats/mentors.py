"""Mentors (R1, R16): registering a mentor or changing their capacity (more capacity offers the new
seats to their waitlist), and removing a mentor who holds no seat."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select, update

from core import history, outbox, texts
from core.bounds import MAX_SEATS, MIN_SEATS
from core.changes import About, dm
from core.domain import Actor, NotificationKind, SeatStatus, WaitlistStatus, require_admin
from core.errors import InvalidInput, NotFound, NothingToDo
from core.schema import LIVE_SEAT, mentors, seats, waitlist
from core.seats.results import MentorRegistered, MentorRemoved
from core.texts import mention, plural
from core.tx import Tx
from core.waitlist import Offers, offer_freed_seats


def register_mentor(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int, mentor_name: str, seats_capacity: int
) -> MentorRegistered:
    """R1: register a member as a mentor with ``seats_capacity`` seats, or change their capacity.

    Lowering it below the seats held is allowed: no one is evicted, no new seat is given meanwhile.
    """
    require_admin(actor, "register mentors")
    if not MIN_SEATS <= seats_capacity <= MAX_SEATS:
        raise InvalidInput(f"Seats must be between {MIN_SEATS} and {MAX_SEATS}; you gave {seats_capacity}.")
    previous = tx.conn.execute(
        select(mentors.c.capacity)
        .where(mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id)
        .with_for_update()
    ).scalar()
    upsert = tx.upsert(mentors).values(
        guild_id=guild_id,
        user_id=mentor_user_id,
        display_name=mentor_name[:100],
        capacity=seats_capacity,
        seats_held=0,
        created_at=tx.now,
        updated_at=tx.now,
    )
    row = tx.conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["guild_id", "user_id"],
            set_={
                "capacity": upsert.excluded.capacity,
                "display_name": upsert.excluded.display_name,
                "updated_at": upsert.excluded.updated_at,
                "removed_at": None,  # /mentor add registers a removed mentor again (R16)
            },
        ).returning(mentors.c.id, mentors.c.seats_held)
    ).one()
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="mentor_registered" if previous is None else "mentor_capacity_changed",
        mentor_user_id=mentor_user_id,
        capacity=seats_capacity,
        previous_capacity=previous,
    )
    offers = Offers()
    if previous is not None and seats_capacity > previous:
        offers = offer_freed_seats(tx, guild_id, row.id)  # R19: more capacity frees seats
    return MentorRegistered(
        mentor_user_id=mentor_user_id,
        capacity=seats_capacity,
        previous_capacity=previous,
        seats_held=row.seats_held + len(offers.seat_ids),
        offered_seats=offers.seat_ids,
        notification_ids=offers.notification_ids,
    )


_SEATS_HELD = select(func.count()).where(
    seats.c.mentor_id == bindparam("mentor_id"),
    or_(LIVE_SEAT, seats.c.status == SeatStatus.OFFERED.value),
)


def remove_mentor(tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int) -> MentorRemoved:
    """R16: remove a mentor who holds no seat. Their row stays (released seats and history point at
    it), marked removed; /mentor add registers them again."""
    require_admin(actor, "remove mentors")
    row = tx.conn.execute(
        select(mentors.c.id, mentors.c.removed_at)
        .where(mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"{mention(mentor_user_id)} is not a mentor here; nothing to remove.")
    if row.removed_at is not None:
        return MentorRemoved(mentor_user_id=mentor_user_id, already_removed=True)
    held = tx.conn.execute(_SEATS_HELD, {"mentor_id": row.id}).scalar_one()
    if held:
        raise NothingToDo(
            f"{mention(mentor_user_id)} still holds {plural(held, 'seat')}; move each with /seat move or "
            "refund it with /pack revoke, then remove them."
        )
    tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == row.id, mentors.c.removed_at.is_(None))
        .values(removed_at=tx.now, capacity=0, updated_at=tx.now)
    )
    # R16: their line closes; those still in it are told (an offered seat counts as held: none here).
    closed = tx.conn.execute(
        update(waitlist)
        .where(waitlist.c.mentor_id == row.id, waitlist.c.status == WaitlistStatus.WAITING.value)
        .values(status=WaitlistStatus.LEFT.value, updated_at=tx.now)
        .returning(waitlist.c.id, waitlist.c.student_id)
    ).all()
    told = [
        dm(
            About(guild_id),
            NotificationKind.WAITLIST_CLOSED,
            entry.student_id,
            texts.waitlist_closed(mentor_user_id),
            subject=f"waitlist:{entry.id}",
        )
        for entry in closed
    ]
    ids = outbox.queue(tx, told)
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="mentor_removed",
        mentor_user_id=mentor_user_id,
        waitlist_closed=len(closed),
    )
    return MentorRemoved(mentor_user_id=mentor_user_id, notification_ids=ids)
