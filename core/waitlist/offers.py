"""The offer a freed seat makes to the first in a mentor's line (R19).

``offer_freed_seats`` is the one door every change that frees one of a mentor's seats goes through (a
release in the sweep, a lapsed or declined offer, a revoke, a seat move, more capacity): while the
mentor has a free seat and someone waits, the first in line gets it as an ``offered`` seat, counted in
the mentor's ``seats_held`` like any held seat, so capacity is never exceeded. Every offer reserves
the seat with the same conditional update a grant uses (``seats_held < capacity``), so an offer and a
grant racing for the last seat cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update

from core import changes, outbox, texts
from core.changes import About, dm
from core.domain import NotificationKind, SeatStatus, WaitlistStatus
from core.schema import IN_LINE, OFFERED_SEAT, mentors, seats, sql, waitlist
from core.tx import PICK_ATTEMPTS, AnyRow, Tx
from core.waitlist.results import Offers

_w = waitlist.c
WAITING = sql(WaitlistStatus.WAITING.value)


# The mentor row is the lock every offer for that mentor queues behind (PostgreSQL): the reservation
# is a conditional update of it, as a grant's is.
_RESERVE = (
    update(mentors)
    .where(mentors.c.id == bindparam("mentor"), mentors.c.seats_held < mentors.c.capacity)
    .values(seats_held=mentors.c.seats_held + 1)
    .returning(mentors.c.user_id)
)
_GIVE_BACK = (
    update(mentors)
    .where(mentors.c.id == bindparam("mentor"), mentors.c.seats_held > 0)
    .values(seats_held=mentors.c.seats_held - 1)
)
_FIRST_IN_LINE = (
    select(_w.id, _w.student_id, _w.student_name)
    .where(_w.mentor_id == bindparam("mentor"), _w.status == WAITING)
    .order_by(_w.id)
    .limit(1)
)
_TAKE_PLACE = (
    update(waitlist)
    .where(_w.id == bindparam("entry"), _w.status == WAITING)
    .values(status=WaitlistStatus.OFFERED.value, seat_id=bindparam("seat"), updated_at=bindparam("now"))
    .returning(_w.id)
)


def offer_freed_seats(tx: Tx, guild_id: int, mentor_row_id: int) -> Offers:
    """R19: while mentor ``mentor_row_id`` has a free seat and someone waits in their line, hold a seat
    for the first in line (status ``offered``, for the server's ``offer_hours``) and queue their offer.

    Call it in the transaction of any change that freed one of the mentor's seats."""
    policy = tx.policy_for(guild_id)
    hold = policy.offer_hold
    offered: list[int] = []
    owed: list[outbox.Owed] = []
    attempts = 0
    while attempts < PICK_ATTEMPTS:
        mentor_user_id = tx.conn.execute(_RESERVE, {"mentor": mentor_row_id}).scalar()
        if mentor_user_id is None:
            break  # no free seat
        entry = tx.conn.execute(_FIRST_IN_LINE, {"mentor": mentor_row_id}).one_or_none()
        if entry is None:
            tx.conn.execute(_GIVE_BACK, {"mentor": mentor_row_id})
            break  # nobody waits: the seat stays free for a grant
        ends_at = tx.now + hold
        seat_id = _hold_for(tx, guild_id, mentor_row_id, entry, ends_at)
        if seat_id is None:
            attempts += 1
            continue
        offered.append(seat_id)
        held = About(guild_id, seat_id)
        changes.record(
            tx,
            held,
            "waitlist_offered",
            actor_id=None,
            student_user_id=entry.student_id,
            offer_ends_at=ends_at.isoformat(),
        )
        body = texts.waitlist_offer(policy, mentor_user_id, ends_at)
        owed.append(dm(held, NotificationKind.WAITLIST_OFFER, entry.student_id, body, mentor=mentor_user_id))
    return Offers(tuple(offered), outbox.queue(tx, owed))


def _hold_for(tx: Tx, guild_id: int, mentor_row_id: int, entry: AnyRow, ends_at: datetime) -> int | None:
    """Hold a seat (reserved already) for the first in line until ``ends_at``; its id. None: their place
    changed meanwhile (left, seated), or they hold a seat already; undone, and the reservation given
    back, for the next in line."""
    seat_id = tx.conn.execute(
        tx.upsert(seats)
        .values(
            guild_id=guild_id,
            mentor_id=mentor_row_id,
            student_id=entry.student_id,
            student_name=entry.student_name,
            status=SeatStatus.OFFERED.value,
            active_packs=0,
            grace_period=0,
            final_warning_queued=False,
            offer_ends_at=ends_at,
            created_at=tx.now,
        )
        # Either unique index: the student already holds a seat or an offer with this mentor.
        .on_conflict_do_nothing()
        .returning(seats.c.id)
    ).scalar()
    placed = (
        None
        if seat_id is None
        else tx.conn.execute(_TAKE_PLACE, {"entry": entry.id, "seat": seat_id, "now": tx.now}).scalar()
    )
    if seat_id is not None and placed is not None:
        return int(seat_id)
    if seat_id is not None:
        tx.conn.execute(delete(seats).where(seats.c.id == seat_id))
    else:
        tx.conn.execute(
            update(waitlist)
            .where(_w.id == entry.id, _w.status == WAITING)
            .values(status=WaitlistStatus.SEATED.value, updated_at=tx.now)
        )
    tx.conn.execute(_GIVE_BACK, {"mentor": mentor_row_id})
    return None


_WAITED_FOR = (
    select(_w.mentor_id)
    .where(_w.mentor_id.in_(bindparam("mentors", expanding=True)), _w.status == WAITING)
    .distinct()
)


def offer_seats_freed_of(tx: Tx, freed: Iterable[tuple[int, int]]) -> Offers:
    """``offer_freed_seats`` for each (server id, mentor row id) whose seats were just freed, asking
    first, in one statement for them all, in whose line anyone waits: a sweep releasing hundreds of
    seats then sends one statement for the mentors nobody waits for, not three each.

    Call it after the statement that freed the seats: that statement holds the mentor rows, so a
    student joining one of these lines meanwhile (which locks the mentor row) waits for this
    transaction, and then finds the free seat instead of a line."""
    wanted = sorted(set(freed))
    if not wanted:
        return Offers()
    waited = set(tx.conn.execute(_WAITED_FOR, {"mentors": sorted({m for _, m in wanted})}).scalars())
    seat_ids: list[int] = []
    ids: list[int] = []
    for guild_id, mentor_id in wanted:
        if mentor_id in waited:
            offers = offer_freed_seats(tx, guild_id, mentor_id)
            seat_ids += offers.seat_ids
            ids += offers.notification_ids
    return Offers(tuple(seat_ids), tuple(ids))


def free_offered_seats(tx: Tx, freed: list[AnyRow], outcome: WaitlistStatus) -> Offers:
    """Offered seats (rows with ``id``, ``guild_id``, ``mentor_id``) just released: give each back to
    its mentor, close the places they were held for as ``outcome``, and offer them on."""
    if not freed:
        return Offers()
    tx.conn.execute(_GIVE_BACK, [{"mentor": row.mentor_id} for row in freed])
    tx.conn.execute(
        update(waitlist)
        .where(_w.seat_id.in_([row.id for row in freed]), _w.status == WaitlistStatus.OFFERED.value)
        .values(status=outcome.value, updated_at=tx.now)
    )
    return offer_seats_freed_of(tx, ((row.guild_id, row.mentor_id) for row in freed))


def took_seat(tx: Tx, mentor_row_id: int, student_user_id: int) -> None:
    """A grant gave the student a seat with this mentor (the one offered, or a free one): their place
    in the mentor's line, if any, is done."""
    tx.conn.execute(
        update(waitlist)
        .where(_w.mentor_id == mentor_row_id, _w.student_id == student_user_id, IN_LINE)
        .values(status=WaitlistStatus.SEATED.value, updated_at=tx.now)
    )


def release_offer(tx: Tx, seat_id: int) -> list[AnyRow]:
    """Release the seat held (offered) as ``seat_id``; the rows freed, for ``free_offered_seats``."""
    return list(
        tx.conn.execute(
            update(seats)
            .where(seats.c.id == seat_id, OFFERED_SEAT)
            .values(status=SeatStatus.RELEASED.value, released_at=tx.now)
            .returning(seats.c.id, seats.c.guild_id, seats.c.mentor_id)
        )
    )


def seat_freed(tx: Tx, mentor_row_id: int) -> Offers:
    """One of the mentor's seats has just freed (a revoke, a move): R19 offers it to the first in the
    mentor's line, as a release does. Call it after the statement that freed the seat."""
    guild_id = tx.conn.execute(select(mentors.c.guild_id).where(mentors.c.id == mentor_row_id)).scalar_one()
    return offer_seats_freed_of(tx, [(guild_id, mentor_row_id)])
