"""R10 ``/schedule``: a session booked for a student on the seat's oldest active pack with an unbooked
session, in the future and no later than that pack's end date, overlapping none of theirs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import bindparam, func, insert, select

from core import changes, rules, texts
from core.bounds import MAX_SESSION_MINUTES, MIN_SESSION_MINUTES
from core.changes import About, dm
from core.domain import SESSION_MINUTES_DEFAULT, Actor, NotificationKind, PackStatus, SessionStatus
from core.errors import InvalidInput, NothingToDo
from core.language import caller_language
from core.schema import UTCDateTime, packs, sessions, with_people
from core.seats.lookup import SeatRef, seat_for
from core.sessions.results import SessionBooked
from core.sessions.taking import NOW, take_from_oldest_pack
from core.settings.timezone import time_zone_of
from core.texts import mention, timestamp
from core.tx import Tx, hold_request
from core.when import read_when


def schedule_session(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int,
    when: str,
    minutes: int = SESSION_MINUTES_DEFAULT,
    request_key: str | None = None,
) -> SessionBooked:
    """R10: book a session for a student at ``when`` (R15: read in the caller's zone), in the future,
    on the seat's oldest active pack that still has an unbooked session."""
    if request_key is not None:
        hold_request(tx, request_key)
        booked = _booked_by_request(tx, guild_id, request_key)
        if booked is not None:
            return booked
    starts_at = _start_of(tx, guild_id, actor, when, minutes)
    seat = seat_for(
        tx,
        guild_id=guild_id,
        actor=actor,
        student_user_id=student_user_id,
        purpose="book sessions for them",
        several="ask the mentor they want to see to book it",
    )
    # R10: no later than the end date of the pack it is booked on.
    pack = take_from_oldest_pack(
        tx, seat.seat_id, {"sessions_booked": packs.c.sessions_booked + 1}, ends_by=starts_at
    )
    if pack is None:
        _refuse_booking(tx, seat, starts_at)
    _refuse_overlap(tx, seat, starts_at, minutes)
    session_id = book_row(tx, guild_id, actor, (seat.seat_id, pack.id), starts_at, minutes, request_key)
    about = About(guild_id, seat.seat_id, pack.id, session_id)
    body = texts.session_booked(seat.mentor_user_id, starts_at, minutes)
    ids = changes.record(
        tx,
        about,
        "session_booked",
        actor_id=actor.user_id,
        owed=[dm(about, NotificationKind.SESSION_BOOKED, student_user_id, body, mentor=seat.mentor_user_id)],
        starts_at=starts_at.isoformat(),
        minutes=minutes,
    )
    return SessionBooked(
        session_id=session_id,
        pack_id=pack.id,
        student_user_id=student_user_id,
        mentor_user_id=seat.mentor_user_id,
        starts_at=starts_at,
        minutes=minutes,
        notification_ids=ids,
    )


def _start_of(tx: Tx, guild_id: int, actor: Actor, when: str, minutes: int) -> datetime:
    """When the session starts: ``when`` read in the caller's zone (R15: theirs, else the server's)
    and language (R25), refused in the past; and ``minutes`` refused out of bounds."""
    zone = time_zone_of(tx, guild_id=guild_id, user_id=actor.user_id).zone
    language = caller_language(tx, guild_id=guild_id, locale=actor.locale)
    starts_at = read_when(when, zone=zone, now=tx.now, language=language)
    if starts_at <= tx.now:
        raise InvalidInput(f"{timestamp(starts_at)} is in the past; pick a time after {timestamp(tx.now)}.")
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise InvalidInput(
            f"A session lasts {MIN_SESSION_MINUTES} to {MAX_SESSION_MINUTES} minutes; you gave {minutes}."
        )
    return starts_at


def book_row(
    tx: Tx,
    guild_id: int,
    actor: Actor,
    on: tuple[int, int],
    starts_at: datetime,
    minutes: int,
    request_key: str | None,
) -> int:
    """The booked session's row, on (seat id, pack id), with the moment its reminder falls due."""
    seat_id, pack_id = on
    lead = tx.policy_for(guild_id).session_reminder_lead
    # The booking DM already tells a session that is this close; "0" turns reminders off.
    reminder_at = None if starts_at - lead <= tx.now else rules.warning_at(starts_at, lead)
    session_id: int = tx.conn.execute(
        insert(sessions)
        .values(
            guild_id=guild_id,
            seat_id=seat_id,
            pack_id=pack_id,
            status=SessionStatus.SCHEDULED.value,
            starts_at=starts_at,
            minutes=minutes,
            reminder_at=reminder_at,
            booking_key=request_key,
            booked_by=actor.user_id,
            created_at=tx.now,
        )
        .returning(sessions.c.id)
    ).scalar_one()
    return session_id


_LAST_END = select(func.max(packs.c.ends_at)).where(
    packs.c.seat_id == bindparam("seat_id"),
    packs.c.status == PackStatus.ACTIVE.value,
    packs.c.ends_at > NOW,
    packs.c.sessions_left - packs.c.sessions_booked > 0,
)


def _refuse_booking(tx: Tx, seat: SeatRef, starts_at: datetime) -> NoReturn:
    """Why no pack takes a booking at ``starts_at``: none has an unbooked session, or none is valid then."""
    last_end = tx.conn.execute(_LAST_END, {"seat_id": seat.seat_id, "now": tx.now}).scalar()
    if last_end is None:
        raise NothingToDo(
            f"{mention(seat.student_user_id)} has no unbooked session left with {mention(seat.mentor_user_id)}; "
            "an admin can grant a new pack with /pack grant."
        )
    raise NothingToDo(
        f"{mention(seat.student_user_id)}'s sessions with {mention(seat.mentor_user_id)} can be booked until "
        f"{timestamp(last_end)}, when their pack ends; pick an earlier time or grant a new pack with /pack grant."
    )


# Sessions last at most MAX_SESSION_MINUTES, so one that starts earlier than that cannot overlap.
_NEARBY = select(sessions.c.id, sessions.c.starts_at, sessions.c.minutes).where(
    sessions.c.seat_id == bindparam("seat_id"),
    sessions.c.status == SessionStatus.SCHEDULED.value,
    sessions.c.starts_at > bindparam("after", type_=UTCDateTime()),
    sessions.c.starts_at < bindparam("before", type_=UTCDateTime()),
)


def _refuse_overlap(tx: Tx, seat: SeatRef, starts_at: datetime, minutes: int) -> None:
    """R10: the student must not already have a session with this mentor that overlaps this one."""
    ends_at = starts_at + timedelta(minutes=minutes)
    nearby = tx.conn.execute(
        _NEARBY,
        {
            "seat_id": seat.seat_id,
            "after": starts_at - timedelta(minutes=MAX_SESSION_MINUTES),
            "before": ends_at,
        },
    )
    for other in nearby:
        if other.starts_at + timedelta(minutes=other.minutes) > starts_at:
            raise InvalidInput(
                f"{mention(seat.student_user_id)} already has session #{other.id} with "
                f"{mention(seat.mentor_user_id)} at {timestamp(other.starts_at)}, which overlaps that "
                "time; pick another time or cancel that session first."
            )


def _booked_by_request(tx: Tx, guild_id: int, request_key: str) -> SessionBooked | None:
    row = tx.conn.execute(
        with_people(
            sessions, sessions.c.id, sessions.c.pack_id, sessions.c.starts_at, sessions.c.minutes
        ).where(sessions.c.booking_key == request_key, sessions.c.guild_id == guild_id)
    ).one_or_none()
    if row is None:
        return None
    return SessionBooked(
        session_id=row.id,
        pack_id=row.pack_id,
        student_user_id=row.student_id,
        mentor_user_id=row.mentor_user_id,
        starts_at=row.starts_at,
        minutes=row.minutes,
        already_booked=True,
    )
