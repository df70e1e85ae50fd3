"""The waitlist (R19): joining and leaving a mentor's line, seeing it, the offer a freed seat makes to
the first in line, and the student's answer to it.

``offer_freed_seats`` is the one door every change that frees one of a mentor's seats goes through (a
release in the sweep, a lapsed or declined offer, a revoke, a seat move, more capacity): while the
mentor has a free seat and someone waits, the first in line gets it as an ``offered`` seat, counted in
the mentor's ``seats_held`` like any held seat, so capacity is never exceeded. Every offer reserves
the seat with the same conditional update a grant uses (``seats_held < capacity``), so an offer and a
grant racing for the last seat cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select, update

from core import history, outbox, texts
from core.domain import (
    Actor,
    NotificationKind,
    OfferAnswered,
    SeatStatus,
    WaitlistJoined,
    WaitlistLeft,
    WaitlistPlace,
    WaitlistStatus,
)
from core.errors import InvalidInput, NotAllowed, NotFound, NothingToDo
from core.schema import IN_LINE, LIVE_SEAT, OFFERED_SEAT, mentors, seats, sql, waitlist
from core.texts import mention, timestamp
from core.tx import PICK_ATTEMPTS, AnyRow, Tx

_w = waitlist.c
WAITING = sql(WaitlistStatus.WAITING.value)


@dataclass(frozen=True, slots=True)
class Offers:
    """What ``offer_freed_seats`` did: the seats it offered and the DMs it queued."""

    seat_ids: tuple[int, ...] = ()
    notification_ids: tuple[int, ...] = ()


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
        if seat_id is None or placed is None:
            # The place changed meanwhile (left, seated), or they hold a seat already: undo, next one.
            attempts += 1
            if seat_id is not None:
                tx.conn.execute(delete(seats).where(seats.c.id == seat_id))
            else:
                tx.conn.execute(
                    update(waitlist)
                    .where(_w.id == entry.id, _w.status == WAITING)
                    .values(status=WaitlistStatus.SEATED.value, updated_at=tx.now)
                )
            tx.conn.execute(_GIVE_BACK, {"mentor": mentor_row_id})
            continue
        offered.append(seat_id)
        history.record(
            tx,
            guild_id=guild_id,
            actor_id=None,
            action="waitlist_offered",
            seat_id=seat_id,
            student_user_id=entry.student_id,
            offer_ends_at=ends_at.isoformat(),
        )
        owed.append(
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.WAITLIST_OFFER,
                key=outbox.key(NotificationKind.WAITLIST_OFFER, "seat", seat_id),
                recipient_id=entry.student_id,
                body=texts.waitlist_offer(policy, mentor_user_id, ends_at),
                mentor_user_id=mentor_user_id,
                seat_id=seat_id,
            )
        )
    return Offers(tuple(offered), outbox.queue(tx, owed))


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


# ---- joining, leaving, seeing the line ----------------------------------------------------------


def _mentor(tx: Tx, guild_id: int, mentor_user_id: int) -> AnyRow:
    row = tx.conn.execute(
        select(mentors.c.id, mentors.c.capacity, mentors.c.seats_held)
        .where(mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"{mention(mentor_user_id)} is not a mentor here; pick a mentor from the list.")
    return row


_POSITION = (
    select(func.count())
    .select_from(waitlist)
    .where(_w.mentor_id == bindparam("mentor"), IN_LINE, _w.id <= bindparam("entry"))
)


def join_waitlist(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int, student_name: str
) -> WaitlistJoined:
    """R19: take a place at the end of a full mentor's line."""
    if actor.user_id == mentor_user_id:
        raise InvalidInput("You can't wait for a seat with yourself; pick another mentor.")
    mentor = _mentor(tx, guild_id, mentor_user_id)
    held = tx.conn.execute(
        select(seats.c.status).where(
            seats.c.mentor_id == mentor.id,
            seats.c.student_id == actor.user_id,
            LIVE_SEAT | OFFERED_SEAT,
        )
    ).scalar()
    if held == SeatStatus.OFFERED:
        raise NothingToDo(
            f"A seat with {mention(mentor_user_id)} is already held for you; answer the offer in your DMs."
        )
    if held is not None:
        raise NothingToDo(
            f"You already hold a seat with {mention(mentor_user_id)}; there is no need to wait."
        )
    if mentor.seats_held < mentor.capacity:
        raise NothingToDo(
            f"{mention(mentor_user_id)} has a free seat, so there is no line; ask an admin to grant you a "
            "pack with /pack grant."
        )
    entry_id = tx.conn.execute(
        tx.upsert(waitlist)
        .values(
            guild_id=guild_id,
            mentor_id=mentor.id,
            student_id=actor.user_id,
            student_name=student_name[:100],
            status=WaitlistStatus.WAITING.value,
            joined_at=tx.now,
            updated_at=tx.now,
        )
        .on_conflict_do_nothing()
        .returning(_w.id)
    ).scalar()
    if entry_id is None:
        place = _place_of(tx, mentor.id, actor.user_id)
        raise NothingToDo(
            f"You are already #{place} in {mention(mentor_user_id)}'s line; /waitlist show tells you where."
        )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="waitlist_joined",
        mentor_user_id=mentor_user_id,
    )
    position = tx.conn.execute(_POSITION, {"mentor": mentor.id, "entry": entry_id}).scalar_one()
    return WaitlistJoined(
        WaitlistPlace(
            entry_id=entry_id,
            mentor_user_id=mentor_user_id,
            student_user_id=actor.user_id,
            student_name=student_name[:100],
            position=position,
            status=WaitlistStatus.WAITING,
            joined_at=tx.now,
        )
    )


def _place_of(tx: Tx, mentor_row: int, student_user_id: int) -> int:
    entry = tx.conn.execute(
        select(_w.id).where(_w.mentor_id == mentor_row, _w.student_id == student_user_id, IN_LINE)
    ).scalar_one()
    position: int = tx.conn.execute(_POSITION, {"mentor": mentor_row, "entry": entry}).scalar_one()
    return position


def leave_waitlist(tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int) -> WaitlistLeft:
    """R19: give up one's place in a mentor's line; a seat held for the student goes to the next."""
    mentor = _mentor(tx, guild_id, mentor_user_id)
    entry = tx.conn.execute(
        select(_w.id, _w.status, _w.seat_id)
        .where(_w.mentor_id == mentor.id, _w.student_id == actor.user_id, IN_LINE)
        .with_for_update()
    ).one_or_none()
    if entry is None:
        raise NotFound(
            f"You are not in {mention(mentor_user_id)}'s line; join it with /waitlist join when their seats are full."
        )
    history.record(
        tx, guild_id=guild_id, actor_id=actor.user_id, action="waitlist_left", mentor_user_id=mentor_user_id
    )
    if entry.status == WaitlistStatus.OFFERED:
        freed = _release_offer(tx, entry.seat_id)
        offers = free_offered_seats(tx, freed, WaitlistStatus.LEFT)
        return WaitlistLeft(mentor_user_id, actor.user_id, bool(freed), offers.notification_ids)
    tx.conn.execute(
        update(waitlist)
        .where(_w.id == entry.id, _w.status == WAITING)
        .values(status=WaitlistStatus.LEFT.value, updated_at=tx.now)
    )
    return WaitlistLeft(mentor_user_id, actor.user_id)


_LINES = (
    select(
        _w.id,
        _w.student_id,
        _w.student_name,
        _w.status,
        _w.joined_at,
        _w.seat_id,
        seats.c.offer_ends_at,
        mentors.c.user_id.label("mentor_user_id"),
        func.row_number().over(partition_by=_w.mentor_id, order_by=_w.id).label("position"),
    )
    .join(mentors, mentors.c.id == _w.mentor_id)
    .outerjoin(seats, seats.c.id == _w.seat_id)
    .where(_w.guild_id == bindparam("guild_id"), IN_LINE)
    .order_by(mentors.c.user_id, _w.id)
)


def waitlist_places(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int | None = None
) -> tuple[WaitlistPlace, ...]:
    """R19 ``/waitlist show``: a student sees their own places; a mentor their line; an admin any line
    (every line without ``mentor_user_id``)."""
    if mentor_user_id is not None:
        _mentor(tx, guild_id, mentor_user_id)
    is_mentor = (
        tx.conn.execute(
            select(mentors.c.id).where(mentors.c.guild_id == guild_id, mentors.c.user_id == actor.user_id)
        ).scalar()
        is not None
    )
    places = [
        WaitlistPlace(
            entry_id=row.id,
            mentor_user_id=row.mentor_user_id,
            student_user_id=row.student_id,
            student_name=row.student_name,
            position=row.position,
            status=WaitlistStatus(row.status),
            joined_at=row.joined_at,
            offer_ends_at=row.offer_ends_at,
            seat_id=row.seat_id,
        )
        for row in tx.conn.execute(_LINES, {"guild_id": guild_id})
    ]

    def shown(place: WaitlistPlace) -> bool:
        if mentor_user_id is not None and place.mentor_user_id != mentor_user_id:
            return False
        if place.student_user_id == actor.user_id or actor.is_admin:
            return True
        return is_mentor and place.mentor_user_id == actor.user_id

    return tuple(place for place in places if shown(place))


# ---- answering an offer -------------------------------------------------------------------------

_OFFER_REF = (
    select(
        seats.c.id,
        seats.c.guild_id,
        seats.c.mentor_id,
        seats.c.status,
        seats.c.student_id,
        seats.c.offer_ends_at,
        mentors.c.user_id.label("mentor_user_id"),
        _w.id.label("entry_id"),
        _w.status.label("entry_status"),
        _w.accepted_at,
    )
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .join(waitlist, _w.seat_id == seats.c.id)
    .where(seats.c.id == bindparam("seat_id"))
    .with_for_update(of=seats)
)


def _offer_ref(tx: Tx, actor: Actor, seat_id: int) -> AnyRow:
    ref = tx.conn.execute(_OFFER_REF, {"seat_id": seat_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no waitlist offer #{seat_id}; /waitlist show lists your places.")
    if ref.student_id != actor.user_id:
        raise NotAllowed(f"This offer is for {mention(ref.student_id)}; only they can answer it.")
    if ref.status != SeatStatus.OFFERED:
        if ref.entry_status == WaitlistStatus.SEATED:
            raise NothingToDo(
                f"You already hold this seat with {mention(ref.mentor_user_id)}; nothing to answer."
            )
        if ref.entry_status == WaitlistStatus.LAPSED:
            raise NothingToDo(
                f"This offer ran out {timestamp(ref.offer_ends_at, 'R')}; join {mention(ref.mentor_user_id)}'s "
                "line again with /waitlist join."
            )
        raise NothingToDo(
            f"You gave this seat up already; join {mention(ref.mentor_user_id)}'s line again with /waitlist join."
        )
    return ref


def _release_offer(tx: Tx, seat_id: int) -> list[AnyRow]:
    return list(
        tx.conn.execute(
            update(seats)
            .where(seats.c.id == seat_id, OFFERED_SEAT)
            .values(status=SeatStatus.RELEASED.value, released_at=tx.now)
            .returning(seats.c.id, seats.c.guild_id, seats.c.mentor_id)
        )
    )


def accept_offer(tx: Tx, *, actor: Actor, seat_id: int) -> OfferAnswered:
    """R19 Accept: the hold is kept, and the admins are told (once) to grant the student a pack."""
    ref = _offer_ref(tx, actor, seat_id)
    answer = OfferAnswered(ref.id, ref.mentor_user_id, ref.student_id, True, ref.offer_ends_at, already=True)
    accepted = tx.conn.execute(
        update(waitlist)
        .where(_w.id == ref.entry_id, _w.accepted_at.is_(None))
        .values(accepted_at=tx.now, updated_at=tx.now)
        .returning(_w.id)
    ).scalar()
    if accepted is None:
        return answer
    history.record(
        tx, guild_id=ref.guild_id, actor_id=actor.user_id, action="waitlist_accepted", seat_id=ref.id
    )
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=ref.guild_id,
                kind=NotificationKind.WAITLIST_ACCEPTED,
                key=outbox.key(NotificationKind.WAITLIST_ACCEPTED, "seat", ref.id),
                # Posted for the admins in the fallback channel; without one, the mentor is DMed.
                recipient_id=ref.mentor_user_id,
                body=texts.waitlist_accepted(ref.student_id, ref.mentor_user_id, ref.offer_ends_at),
                seat_id=ref.id,
            )
        ],
    )
    return OfferAnswered(
        ref.id, ref.mentor_user_id, ref.student_id, True, ref.offer_ends_at, notification_ids=ids
    )


def decline_offer(tx: Tx, *, actor: Actor, seat_id: int) -> OfferAnswered:
    """R19 Decline: the held seat is freed, and offered to the next in line."""
    ref = _offer_ref(tx, actor, seat_id)
    freed = _release_offer(tx, ref.id)
    if not freed:
        raise RuntimeError(f"offered seat {ref.id} changed while it was being declined")
    history.record(
        tx, guild_id=ref.guild_id, actor_id=actor.user_id, action="waitlist_declined", seat_id=ref.id
    )
    offers = free_offered_seats(tx, freed, WaitlistStatus.DECLINED)
    return OfferAnswered(
        ref.id,
        ref.mentor_user_id,
        ref.student_id,
        False,
        ref.offer_ends_at,
        notification_ids=offers.notification_ids,
    )
