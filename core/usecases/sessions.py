"""Sessions (R3-R6, R10): completing, scheduling and cancelling one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import Select, and_, bindparam, case, func, insert, select, update

from core import history, outbox, rules, texts
from core.bounds import (
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
)
from core.domain import (
    COMPLETE_LOOKAHEAD,
    SESSION_MINUTES_DEFAULT,
    Actor,
    CompletionChoice,
    LateCancelToConfirm,
    NotificationKind,
    PackStatus,
    SeatStatus,
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    SessionMissed,
    SessionStatus,
    renewal_reminder,
    session_number,
)
from core.errors import InvalidInput, NotAllowed, NotFound, NothingToDo
from core.schema import LIVE_SEAT, UTCDateTime, mentors, packs, seats, sessions, with_people
from core.seats.lookup import SEAT_COLUMNS, SeatRef, pick_seat, seat_for, seat_ref
from core.settings.timezone import time_zone_of
from core.texts import mention, timestamp
from core.tx import PICK_ATTEMPTS, AnyRow, Tx, hold_request
from core.when import read_when

# ---- R3–R6: completing a session ------------------------------------------------------------------


_SESSION_REF = (
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


def _session_ref(
    tx: Tx, *, guild_id: int, actor: Actor, session_id: int, purpose: str, student_may: bool = False
) -> AnyRow:
    ref = tx.conn.execute(
        _SESSION_REF, {"session_id": session_id, "guild_id": guild_id, "now": tx.now}
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


def _already_completed(ref: AnyRow) -> SessionCompleted:
    return SessionCompleted(
        session_id=ref.id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        number=ref.number or 0,
        total=ref.sessions_total,
        left=ref.sessions_left,
        completed_at=ref.completed_at,
        already_completed=True,
    )


def complete_session(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int,
    session_id: int | None = None,
    request_key: str | None = None,
) -> SessionCompleted:
    """R3: complete one session and take exactly one session off its pack.

    With ``session_id``: that booked session, against the pack it was booked on (even if that pack
    has expired since). Without: the student's earliest booked session with this mentor that starts
    within the next hour or earlier; if none, an unscheduled session completed now, drawn from the
    oldest active, unexpired pack with an unbooked session. ``request_key`` identifies the request: the
    same request repeated finds the session it recorded instead of recording another.
    Completing a completed session changes nothing and says when it was completed.
    """
    completed = complete_or_ask(
        tx,
        guild_id=guild_id,
        actor=actor,
        student_user_id=student_user_id,
        session_id=session_id,
        request_key=request_key,
        ask=False,
    )
    assert isinstance(completed, SessionCompleted)  # ask=False never asks
    return completed


def complete_or_ask(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int,
    session_id: int | None = None,
    request_key: str | None = None,
    ask: bool = True,
) -> SessionCompleted | CompletionChoice:
    """``complete_session``, except that (``ask``) when no session is named and the student's next
    booked session with this mentor starts later than within the hour, nothing changes and the
    result asks which is meant: that session, or a new one now (R3, no guessing)."""
    if session_id is not None:
        ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="complete")
        if ref.student_id != student_user_id:
            raise InvalidInput(
                f"Session #{session_id} is {mention(ref.student_id)}'s, not {mention(student_user_id)}'s; "
                f"pick one of {mention(student_user_id)}'s sessions."
            )
        return _complete_booked(tx, guild_id, actor, ref)

    if request_key is not None:
        hold_request(tx, request_key)
    # One statement finds the request's earlier session, the student's live seats and each one's next
    # booking: a completion's cost is its statement count.
    rows = tx.conn.execute(
        _COMPLETION_LOOKUP,
        {"guild_id": guild_id, "student_id": student_user_id, "request_key": request_key, "now": tx.now},
    ).all()
    repeated = rows[0].repeated if rows else None
    if repeated is None and not rows and request_key is not None:
        # No live seat left: the request may still have recorded a session before it was released.
        repeated = tx.conn.execute(_BY_REQUEST_KEY, {"request_key": request_key}).scalar()
    if repeated is not None:
        ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=repeated, purpose="complete")
        return _already_completed(ref)
    row = pick_seat(
        rows,
        actor=actor,
        student_user_id=student_user_id,
        purpose="complete their sessions",
        several="name the session to complete",
    )
    if row.next_booked is not None and row.next_booked_at <= tx.now + COMPLETE_LOOKAHEAD:
        ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=row.next_booked, purpose="complete")
        # The request key goes on the session, so the same request repeated finds it (R12).
        return _complete_booked(tx, guild_id, actor, ref, request_key)
    if ask and row.next_booked is not None:
        return CompletionChoice(
            student_user_id=student_user_id,
            mentor_user_id=row.mentor_user_id,
            session_id=row.next_booked,
            starts_at=row.next_booked_at,
            time_zone=tx.policy_for(guild_id).time_zone,
        )
    # Drawn from the pack the lookup found (a racing change on PostgreSQL may pick another: then the
    # completion asks again).
    renewed = row.renewed_besides_open
    return _complete_unscheduled(tx, guild_id, actor, seat_ref(row), request_key, (row.open_pack, renewed))


_NOW = bindparam("now", type_=UTCDateTime())
_TAKE_ONE = {
    "sessions_left": packs.c.sessions_left - 1,
    "status": case(
        (
            and_(packs.c.sessions_left == 1, packs.c.status == PackStatus.ACTIVE.value),
            PackStatus.DEPLETED.value,
        ),
        else_=packs.c.status,
    ),
    "closed_at": case(
        (and_(packs.c.sessions_left == 1, packs.c.status == PackStatus.ACTIVE.value), _NOW),
        else_=packs.c.closed_at,
    ),
}
_PACK_AFTER = (
    packs.c.id,
    packs.c.seat_id,
    packs.c.sessions_total,
    packs.c.sessions_left,
    packs.c.sessions_forfeited,
    packs.c.status,
)

_TAKE_BOOKED = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_left > 0, packs.c.sessions_booked > 0)
    .values(sessions_booked=packs.c.sessions_booked - 1, **_TAKE_ONE)
    .returning(*_PACK_AFTER, packs.c.ends_at)
)

_MARK_COMPLETED = (
    update(sessions)
    .where(sessions.c.id == bindparam("session_id"), sessions.c.status == SessionStatus.SCHEDULED.value)
    .values(
        status=SessionStatus.COMPLETED.value,
        completed_at=_NOW,
        completed_by=bindparam("actor_id"),
        number=bindparam("number"),
        request_key=bindparam("request_key"),
    )
    .returning(sessions.c.id)
)

# Built once: executing a prebuilt statement reuses its cache key and compiled form, where building one
# per call costs about as much as running it.
_BY_REQUEST_KEY = select(sessions.c.id).where(sessions.c.request_key == bindparam("request_key"))


def _oldest_open_pack(seat_id: Any, now: Any, ends_by: datetime | None = None) -> Select[tuple[int]]:
    """The pack a session is drawn from: the seat's oldest active, unexpired pack with an unbooked
    session (and, with ``ends_by``, valid until then)."""
    return (
        select(packs.c.id)
        .where(
            packs.c.seat_id == seat_id,
            packs.c.status == PackStatus.ACTIVE.value,
            packs.c.ends_at > now,
            packs.c.sessions_left - packs.c.sessions_booked > 0,
            *(() if ends_by is None else (packs.c.ends_at >= ends_by,)),
        )
        .order_by(packs.c.granted_at, packs.c.id)
        .limit(1)
    )


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


_OPEN_PACK = _oldest_open_pack(seats.c.id, _NOW).correlate(seats).scalar_subquery()
_COMPLETION_LOOKUP = (
    select(
        *SEAT_COLUMNS,
        _next_booked(sessions.c.id).label("next_booked"),
        _next_booked(sessions.c.starts_at).label("next_booked_at"),
        _BY_REQUEST_KEY.scalar_subquery().label("repeated"),
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
_LIVE_PACK_BESIDES = select(rules.renewed(bindparam("seat_id"), bindparam("pack_id")))


def _complete_booked(
    tx: Tx, guild_id: int, actor: Actor, ref: AnyRow, request_key: str | None = None
) -> SessionCompleted:
    if ref.status == SessionStatus.COMPLETED:
        return _already_completed(ref)
    if ref.status == SessionStatus.CANCELLED:
        raise NothingToDo(
            f"Session #{ref.id} was cancelled, so it can't be completed; complete the student without "
            "naming a session to record one now."
        )
    _refuse_unless_booked(ref, "completed")
    pack = tx.conn.execute(_TAKE_BOOKED, {"pack_id": ref.pack_id, "now": tx.now}).one_or_none()
    if pack is None:
        raise RuntimeError(f"session {ref.id} is booked on pack {ref.pack_id}, which has no booked session")
    number = session_number(pack.sessions_total, pack.sessions_left, pack.sessions_forfeited)
    changed = tx.conn.execute(
        _MARK_COMPLETED,
        {
            "session_id": ref.id,
            "now": tx.now,
            "actor_id": actor.user_id,
            "number": number,
            "request_key": request_key,
        },
    ).scalar()
    if changed is None:
        # Only reachable if the row lock above was not taken; the raise rolls the pack back.
        raise RuntimeError(f"session {ref.id} changed while it was being completed")
    return _after_completion(
        tx, guild_id, actor, ref.id, ref.student_id, ref.mentor_user_id, pack, number, renewed=ref.renewed
    )


def _complete_unscheduled(
    tx: Tx,
    guild_id: int,
    actor: Actor,
    seat: SeatRef,
    request_key: str | None,
    known: tuple[int | None, bool] = (None, False),
) -> SessionCompleted:
    """A session recorded now, drawn from the oldest open pack. ``known``: a pack, and whether the
    seat holds another live pack besides it, as the caller read them."""
    pack = _take_from_oldest_pack(tx, seat.seat_id, _TAKE_ONE)
    if pack is None:
        raise NothingToDo(
            f"{mention(seat.student_user_id)} has no session left to complete with {mention(seat.mentor_user_id)}: "
            "their packs are used up, booked or expired; an admin can grant a new pack with /pack grant."
        )
    number = session_number(pack.sessions_total, pack.sessions_left, pack.sessions_forfeited)
    session_id = tx.conn.execute(
        insert(sessions)
        .values(
            guild_id=guild_id,
            seat_id=seat.seat_id,
            pack_id=pack.id,
            status=SessionStatus.COMPLETED.value,
            starts_at=tx.now,
            minutes=SESSION_MINUTES_DEFAULT,
            number=number,
            request_key=request_key,
            completed_by=actor.user_id,
            completed_at=tx.now,
            created_at=tx.now,
        )
        .returning(sessions.c.id)
    ).scalar_one()
    open_pack, renewed = known
    return _after_completion(
        tx,
        guild_id,
        actor,
        session_id,
        seat.student_user_id,
        seat.mentor_user_id,
        pack,
        number,
        renewed=renewed if pack.id == open_pack else None,
    )


def _take_from_oldest_pack(
    tx: Tx, seat_id: int, values: dict[str, Any], ends_by: datetime | None = None
) -> AnyRow | None:
    """Apply ``values`` to the seat's oldest active, unexpired pack with an unbooked session (and, with
    ``ends_by``, valid until then).

    The pick and the update are one conditional statement; if another transaction took the pack's
    last unbooked session first (PostgreSQL), the next oldest is tried.
    """
    unbooked = packs.c.sessions_left - packs.c.sessions_booked > 0
    oldest = _oldest_open_pack(seat_id, tx.now, ends_by)
    take = (
        update(packs)
        .where(packs.c.id == oldest.scalar_subquery(), packs.c.status == PackStatus.ACTIVE.value, unbooked)
        .values(**values)
        .returning(*_PACK_AFTER, packs.c.ends_at)
    )
    for _ in range(PICK_ATTEMPTS):
        row = tx.conn.execute(take, {"now": tx.now}).one_or_none()
        if row is not None:
            return row
        if tx.conn.execute(oldest).first() is None:
            return None
    return None


def _live_pack_besides(tx: Tx, seat_id: int, pack_id: int) -> bool:
    """Does the seat hold another active, unexpired pack with sessions left (has the student renewed)?"""
    return bool(
        tx.conn.execute(_LIVE_PACK_BESIDES, {"seat_id": seat_id, "pack_id": pack_id, "now": tx.now}).scalar()
    )


def _after_completion(
    tx: Tx,
    guild_id: int,
    actor: Actor,
    session_id: int,
    student_user_id: int,
    mentor_user_id: int,
    pack: AnyRow,
    number: int,
    *,
    renewed: bool | None = None,
) -> SessionCompleted:
    """R4–R6 once a session has been taken off ``pack``: reminders, depletion, grace, history."""
    owed, grace = _after_taking(tx, guild_id, pack, student_user_id, mentor_user_id, number, renewed=renewed)
    ids = outbox.queue(tx, owed)
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="session_completed",
        seat_id=pack.seat_id,
        pack_id=pack.id,
        session_id=session_id,
        number=number,
        left=pack.sessions_left,
    )
    return SessionCompleted(
        session_id=session_id,
        pack_id=pack.id,
        student_user_id=student_user_id,
        mentor_user_id=mentor_user_id,
        number=number,
        total=pack.sessions_total,
        left=pack.sessions_left,
        completed_at=tx.now,
        grace_ends_at=None if grace is None else grace.ends_at,
        notification_ids=ids,
    )


def _after_taking(
    tx: Tx,
    guild_id: int,
    pack: AnyRow,
    student_user_id: int,
    mentor_user_id: int,
    used: int,
    missed: bool = False,
    renewed: bool | None = None,
) -> tuple[list[outbox.Owed], _GraceStarted | None]:
    """R5, R6 once a session has been taken off ``pack`` (a completion, or a no-show or late cancel
    that counts, R18), ``used`` of its sessions now gone: the renewal DM owed, depletion and grace.
    ``renewed``: whether the seat holds another live pack, when the caller read it already."""
    depleted = pack.status == PackStatus.DEPLETED and pack.sessions_left == 0
    # A pack that expired and is finishing its booked sessions asks for no renewal: it has no grace.
    # Past its end date it counts as expired even before the sweep has marked it so (R8).
    live = pack.ends_at > tx.now
    counts_for_renewal = pack.status in (PackStatus.ACTIVE, PackStatus.DEPLETED) and live
    kind = renewal_reminder(pack.sessions_total, used, renewed=False) if counts_for_renewal else None
    if not (kind or depleted):
        renewed = False
    elif renewed is None:
        renewed = _live_pack_besides(tx, pack.seat_id, pack.id)
    owed = []
    if kind is not None and not renewed:
        owed.append(
            _renewal_reminder(tx, guild_id, kind, pack, student_user_id, mentor_user_id, used, missed)
        )
    grace = None
    if depleted:
        grace = _on_depletion(tx, guild_id, pack, student_user_id, mentor_user_id, renewed or not live)
    if grace is not None:
        owed.append(grace.owed)
    return owed, grace


def _renewal_reminder(
    tx: Tx,
    guild_id: int,
    kind: NotificationKind,
    pack: AnyRow,
    student_user_id: int,
    mentor_user_id: int,
    number: int,
    missed: bool = False,
) -> outbox.Owed:
    """R5: the *one left* or *pack complete* DM for ``pack`` (``missed``: after a no-show or late
    cancel that took a session, R18, which is no session "done")."""
    if kind == NotificationKind.ONE_LEFT and missed:
        body = texts.one_left_after_missed(mentor_user_id, number, pack.sessions_total)
    elif kind == NotificationKind.ONE_LEFT:
        body = texts.one_left(mentor_user_id, number, pack.sessions_total)
    else:
        body = texts.pack_complete(
            tx.policy_for(guild_id),
            mentor_user_id,
            pack.sessions_total,
            tx.now + tx.policy_for(guild_id).grace_period,
        )
    return outbox.Owed(
        guild_id=guild_id,
        kind=kind,
        key=outbox.key(kind, "pack", pack.id),
        recipient_id=student_user_id,
        body=body,
        mentor_user_id=mentor_user_id,
        seat_id=pack.seat_id,
        pack_id=pack.id,
    )


@dataclass(frozen=True, slots=True)
class _GraceStarted:
    """R6: the seat entered grace until ``ends_at``; the mentor is owed ``owed``."""

    ends_at: datetime
    owed: outbox.Owed


def _on_depletion(
    tx: Tx, guild_id: int, pack: AnyRow, student_user_id: int, mentor_user_id: int, renewed: bool
) -> _GraceStarted | None:
    """R6: a depleted pack leaves its seat's active packs; without a renewal the seat enters grace."""
    if renewed:
        tx.conn.execute(
            update(seats)
            .where(seats.c.id == pack.seat_id, seats.c.active_packs > 0)
            .values(active_packs=seats.c.active_packs - 1)
        )
        return None
    grace_ends_at = tx.now + tx.policy_for(guild_id).grace_period
    seat = tx.conn.execute(
        update(seats)
        .where(
            seats.c.id == pack.seat_id, seats.c.status == SeatStatus.ACTIVE.value, seats.c.active_packs > 0
        )
        .values(
            status=SeatStatus.GRACE.value,
            grace_ends_at=grace_ends_at,
            # Stored with the deadline: a later change of the policy leaves this grace as it is (R14).
            final_warning_at=rules.warning_at(grace_ends_at, tx.policy_for(guild_id).final_warning_lead),
            grace_period=seats.c.grace_period + 1,
            final_warning_queued=False,
            active_packs=seats.c.active_packs - 1,
        )
        .returning(seats.c.grace_period)
    ).one_or_none()
    if seat is None:
        raise RuntimeError(f"seat {pack.seat_id} of depleted pack {pack.id} was not active")
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=None,
        action="seat_grace_started",
        seat_id=pack.seat_id,
        pack_id=pack.id,
        grace_ends_at=grace_ends_at.isoformat(),
    )
    return _GraceStarted(
        grace_ends_at,
        outbox.Owed(
            guild_id=guild_id,
            kind=NotificationKind.GRACE_STARTED,
            key=outbox.key(NotificationKind.GRACE_STARTED, "seat", pack.seat_id, seat.grace_period),
            recipient_id=mentor_user_id,
            body=texts.grace_started(student_user_id, grace_ends_at),
            seat_id=pack.seat_id,
            seat_period=seat.grace_period,
        ),
    )


# ---- R10: scheduling and cancelling ---------------------------------------------------------------


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
    # R15: read in the caller's zone (theirs, else the server's).
    zone = time_zone_of(tx, guild_id=guild_id, user_id=actor.user_id).zone
    starts_at = read_when(when, zone=zone, now=tx.now)
    if starts_at <= tx.now:
        raise InvalidInput(f"{timestamp(starts_at)} is in the past; pick a time after {timestamp(tx.now)}.")
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise InvalidInput(
            f"A session lasts {MIN_SESSION_MINUTES} to {MAX_SESSION_MINUTES} minutes; you gave {minutes}."
        )
    seat = seat_for(
        tx,
        guild_id=guild_id,
        actor=actor,
        student_user_id=student_user_id,
        purpose="book sessions for them",
        several="ask the mentor they want to see to book it",
    )
    # R10: no later than the end date of the pack it is booked on.
    pack = _take_from_oldest_pack(
        tx, seat.seat_id, {"sessions_booked": packs.c.sessions_booked + 1}, ends_by=starts_at
    )
    if pack is None:
        _refuse_booking(tx, seat, starts_at)
    _refuse_overlap(tx, seat, starts_at, minutes)
    lead = tx.policy_for(guild_id).session_reminder_lead
    # The booking DM already tells a session that is this close; "0" turns reminders off.
    reminder_at = None if starts_at - lead <= tx.now else rules.warning_at(starts_at, lead)
    session_id = tx.conn.execute(
        insert(sessions)
        .values(
            guild_id=guild_id,
            seat_id=seat.seat_id,
            pack_id=pack.id,
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
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.SESSION_BOOKED,
                key=outbox.key(NotificationKind.SESSION_BOOKED, "session", session_id),
                recipient_id=student_user_id,
                body=texts.session_booked(seat.mentor_user_id, starts_at, minutes),
                mentor_user_id=seat.mentor_user_id,
                seat_id=seat.seat_id,
                pack_id=pack.id,
                session_id=session_id,
            )
        ],
    )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="session_booked",
        seat_id=seat.seat_id,
        pack_id=pack.id,
        session_id=session_id,
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


_LAST_END = select(func.max(packs.c.ends_at)).where(
    packs.c.seat_id == bindparam("seat_id"),
    packs.c.status == PackStatus.ACTIVE.value,
    packs.c.ends_at > _NOW,
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


_IF_EXPIRED = case((packs.c.status == PackStatus.EXPIRED.value, 1), else_=0)


def cancel_session(
    tx: Tx, *, guild_id: int, actor: Actor, session_id: int, confirm_late: bool = False
) -> SessionCancelled | SessionMissed | LateCancelToConfirm:
    """R10, R18: cancel a booked session.

    The seat's mentor or an admin: nothing is taken off the pack. The student (their own session,
    before it starts): the same, unless it starts within ``late_cancel_hours``; then it is a late
    cancel that takes the session, and nothing changes until they confirm (``confirm_late``).
    """
    ref = _session_ref(
        tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="cancel", student_may=True
    )
    _refuse_unless_booked(ref, "cancelled")
    by_student = (
        actor.user_id == ref.student_id and actor.user_id != ref.mentor_user_id and not actor.is_admin
    )
    if by_student:
        if ref.starts_at <= tx.now:
            raise NothingToDo(
                f"Session #{session_id} started {timestamp(ref.starts_at, 'R')}, so it can't be cancelled; "
                f"talk to {mention(ref.mentor_user_id)} about it."
            )
        policy = tx.policy_for(guild_id)
        if policy.late_cancel_hours and ref.starts_at - tx.now < policy.late_cancel_lead:
            if not confirm_late:
                return LateCancelToConfirm(
                    session_id, ref.mentor_user_id, ref.starts_at, policy.late_cancel_hours
                )
            return _missed(tx, guild_id, actor, ref, SessionStatus.LATE_CANCELLED, take=True)
    changed = tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .values(status=SessionStatus.CANCELLED.value, cancelled_at=tx.now, cancelled_by=actor.user_id)
        .returning(sessions.c.id)
    ).scalar()
    released = tx.conn.execute(
        update(packs)
        .where(packs.c.id == ref.pack_id, packs.c.sessions_booked > 0)
        .values(
            sessions_booked=packs.c.sessions_booked - 1,
            # R10: on a pack that has expired meanwhile the session is forfeited, as R8 forfeits
            # the unbooked ones, so its counters keep adding up.
            sessions_left=packs.c.sessions_left - _IF_EXPIRED,
            sessions_forfeited=packs.c.sessions_forfeited + _IF_EXPIRED,
        )
        .returning(packs.c.id)
    ).scalar()
    if changed is None or released is None:
        raise RuntimeError(f"session {session_id} changed while it was being cancelled")
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.SESSION_CANCELLED,
                key=outbox.key(NotificationKind.SESSION_CANCELLED, "session", session_id),
                recipient_id=ref.student_id,
                body=texts.session_cancelled(ref.mentor_user_id, ref.starts_at),
                mentor_user_id=ref.mentor_user_id,
                seat_id=ref.seat_id,
                pack_id=ref.pack_id,
                session_id=session_id,
            )
        ],
    )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="session_cancelled",
        seat_id=ref.seat_id,
        pack_id=ref.pack_id,
        session_id=session_id,
    )
    return SessionCancelled(
        session_id=session_id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        starts_at=ref.starts_at,
        notification_ids=ids,
    )


# ---- R18: no-shows and late cancels ---------------------------------------------------------------

_ENDED = {
    SessionStatus.COMPLETED: "was completed",
    SessionStatus.CANCELLED: "is cancelled",
    SessionStatus.LATE_CANCELLED: "was cancelled late",
    SessionStatus.NO_SHOW: "is marked as a no-show",
    SessionStatus.VOIDED: "was completed and then undone",
}


def _refuse_unless_booked(ref: AnyRow, done: str) -> None:
    """A session that is no longer booked can't be cancelled or marked: say what became of it."""
    if ref.status == SessionStatus.SCHEDULED:
        return
    status = SessionStatus(ref.status)
    if status == SessionStatus.CANCELLED and done == "cancelled":
        raise NothingToDo(f"Session #{ref.id} is already cancelled; nothing to do.")
    when_done = f" {timestamp(ref.completed_at, 'R')}" if status == SessionStatus.COMPLETED else ""
    raise NothingToDo(f"Session #{ref.id} {_ENDED[status]}{when_done}, so it can't be {done}.")


def noshow_session(tx: Tx, *, guild_id: int, actor: Actor, session_id: int) -> SessionMissed:
    """R18: mark a booked session that has started as a no-show. It takes a session off the pack
    when the server's ``no_show_counts`` is on; the student is told either way."""
    ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="mark")
    _refuse_unless_booked(ref, "marked as a no-show")
    if ref.starts_at > tx.now:
        raise InvalidInput(
            f"Session #{session_id} starts {timestamp(ref.starts_at, 'R')}; mark a no-show once it has started."
        )
    counts = tx.policy_for(guild_id).no_show_counts
    return _missed(tx, guild_id, actor, ref, SessionStatus.NO_SHOW, take=counts)


# A session a no-show or late cancel takes is lost, not completed: it is counted with the forfeited
# ones, so R4's numbers keep counting completed sessions only.
_TAKE_MISSED = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_left > 0, packs.c.sessions_booked > 0)
    .values(
        sessions_booked=packs.c.sessions_booked - 1,
        sessions_forfeited=packs.c.sessions_forfeited + 1,
        **_TAKE_ONE,
    )
    .returning(*_PACK_AFTER, packs.c.ends_at)
)
_UNBOOK = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_booked > 0)
    .values(
        sessions_booked=packs.c.sessions_booked - 1,
        sessions_left=packs.c.sessions_left - _IF_EXPIRED,
        sessions_forfeited=packs.c.sessions_forfeited + _IF_EXPIRED,
    )
    .returning(packs.c.id)
)
_LEFT_ON_SEAT = select(func.coalesce(func.sum(packs.c.sessions_left), 0)).where(
    packs.c.seat_id == bindparam("seat_id"), packs.c.status == PackStatus.ACTIVE.value
)


def _missed(
    tx: Tx, guild_id: int, actor: Actor, ref: AnyRow, status: SessionStatus, *, take: bool
) -> SessionMissed:
    changed = tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == ref.id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .values(status=status.value, cancelled_at=tx.now, cancelled_by=actor.user_id)
        .returning(sessions.c.id)
    ).scalar()
    if changed is None:
        raise RuntimeError(f"session {ref.id} changed while it was being marked {status.value}")
    owed: list[outbox.Owed] = []
    grace = None
    if take:
        pack = tx.conn.execute(_TAKE_MISSED, {"pack_id": ref.pack_id, "now": tx.now}).one_or_none()
        if pack is None:
            raise RuntimeError(
                f"session {ref.id} is booked on pack {ref.pack_id}, which has no booked session"
            )
        # The same path as a completion for the renewal DMs, depletion and grace (R5, R6).
        used = pack.sessions_total - pack.sessions_left
        owed, grace = _after_taking(
            tx, guild_id, pack, ref.student_id, ref.mentor_user_id, used, missed=True, renewed=ref.renewed
        )
    elif tx.conn.execute(_UNBOOK, {"pack_id": ref.pack_id}).scalar() is None:
        raise RuntimeError(f"session {ref.id} is booked on pack {ref.pack_id}, which has no booked session")
    left = int(tx.conn.execute(_LEFT_ON_SEAT, {"seat_id": ref.seat_id}).scalar_one())
    if status == SessionStatus.NO_SHOW:
        kind = NotificationKind.NO_SHOW
        body = texts.no_show(ref.mentor_user_id, ref.starts_at, take, left)
    else:
        kind = NotificationKind.LATE_CANCEL
        body = texts.late_cancel(
            ref.mentor_user_id, ref.starts_at, tx.policy_for(guild_id).late_cancel_hours, left
        )
    owed.insert(
        0,
        outbox.Owed(
            guild_id=guild_id,
            kind=kind,
            key=outbox.key(kind, "session", ref.id),
            recipient_id=ref.student_id,
            body=body,
            mentor_user_id=ref.mentor_user_id,
            seat_id=ref.seat_id,
            pack_id=ref.pack_id,
            session_id=ref.id,
        ),
    )
    ids = outbox.queue(tx, owed)
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action=f"session_{status.value}",
        seat_id=ref.seat_id,
        pack_id=ref.pack_id,
        session_id=ref.id,
        taken=take,
    )
    return SessionMissed(
        session_id=ref.id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        starts_at=ref.starts_at,
        status=status,
        taken=take,
        left=left,
        grace_ends_at=None if grace is None else grace.ends_at,
        notification_ids=ids,
    )
