"""A mentor's line (R19): joining it when their seats are full, leaving it, and seeing it."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from core import history
from core.domain import Actor, SeatStatus, WaitlistStatus
from core.errors import InvalidInput, NotFound, NothingToDo
from core.schema import IN_LINE, LIVE_SEAT, OFFERED_SEAT, mentors, seats, waitlist
from core.texts import mention
from core.tx import AnyRow, Tx
from core.waitlist.offers import WAITING, free_offered_seats, release_offer
from core.waitlist.results import WaitlistJoined, WaitlistLeft, WaitlistPlace

_w = waitlist.c


def _mentor(tx: Tx, guild_id: int, mentor_user_id: int) -> AnyRow:
    row = tx.conn.execute(
        select(mentors.c.id, mentors.c.capacity, mentors.c.seats_held, mentors.c.removed_at)
        .where(mentors.c.guild_id == guild_id, mentors.c.user_id == mentor_user_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"{mention(mentor_user_id)} is not a mentor here; pick a mentor from the list.")
    return row


def _refuse_if_closed(mentor: AnyRow, mentor_user_id: int) -> None:
    """R16: a removed mentor's line is closed."""
    if mentor.removed_at is not None:
        raise NothingToDo(
            f"{mention(mentor_user_id)} is no longer a mentor here, so their line is closed; pick another mentor."
        )


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
    _refuse_if_closed(mentor, mentor_user_id)
    _refuse_unless_waiting_makes_sense(tx, mentor, actor, mentor_user_id)
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


def _refuse_unless_waiting_makes_sense(tx: Tx, mentor: AnyRow, actor: Actor, mentor_user_id: int) -> None:
    """Refused when the student holds (or is offered) a seat with the mentor already, or the mentor has
    a free seat: then there is no line to wait in."""
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
        freed = release_offer(tx, entry.seat_id)
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
