"""R3, R4 ``/complete``: completing one session, taking exactly one session off its pack; asking which
session is meant when the student's bookings all start later than within the hour, and completing
the one chosen."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, update

from core import changes
from core.changes import About
from core.domain import (
    COMPLETE_LOOKAHEAD,
    SESSION_MINUTES_DEFAULT,
    Actor,
    PackStatus,
    SessionStatus,
    session_number,
)
from core.errors import InvalidInput, NothingToDo
from core.locks import lock_seats_of_student
from core.schema import packs, sessions
from core.seats.lookup import SeatRef, pick_seat, seat_for, seat_ref
from core.sessions.lookup import BY_REQUEST_KEY, COMPLETION_LOOKUP, refuse_unless_booked, session_ref
from core.sessions.results import CompletionChoice, SessionCompleted
from core.sessions.taking import NOW, PACK_AFTER, TAKE_ONE, after_taking, take_from_oldest_pack
from core.texts import mention
from core.tx import AnyRow, Tx, hold_request


def already_completed(ref: AnyRow) -> SessionCompleted:
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
        ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="complete")
        if ref.student_id != student_user_id:
            raise InvalidInput(
                f"Session #{session_id} is {mention(ref.student_id)}'s, not {mention(student_user_id)}'s; "
                f"pick one of {mention(student_user_id)}'s sessions."
            )
        return complete_booked(tx, guild_id, actor, ref)

    # The student's seats here are taken first (``core.locks``): a change to one of them at the same
    # moment, and the same request run twice, queue up behind this (so it needs no lock of its own).
    lock_seats_of_student(tx, student_user_id, guild_id=guild_id)
    # One statement finds the request's earlier session, the student's live seats and each one's next
    # booking: a completion's cost is its statement count.
    rows = tx.conn.execute(
        COMPLETION_LOOKUP,
        {"guild_id": guild_id, "student_id": student_user_id, "request_key": request_key, "now": tx.now},
    ).all()
    repeated = rows[0].repeated if rows else None
    if repeated is None and not rows and request_key is not None:
        # No live seat left: the request may still have recorded a session before it was released.
        repeated = tx.conn.execute(BY_REQUEST_KEY, {"request_key": request_key}).scalar()
    if repeated is not None:
        ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=repeated, purpose="complete")
        return already_completed(ref)
    row = pick_seat(
        rows,
        actor=actor,
        student_user_id=student_user_id,
        purpose="complete their sessions",
        several="name the session to complete",
    )
    if row.next_booked is not None and row.next_booked_at <= tx.now + COMPLETE_LOOKAHEAD:
        ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=row.next_booked, purpose="complete")
        # The request key goes on the session, so the same request repeated finds it (R12).
        return complete_booked(tx, guild_id, actor, ref, request_key)
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
    return complete_unscheduled(tx, guild_id, actor, seat_ref(row), request_key, (row.open_pack, renewed))


_TAKE_BOOKED = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_left > 0, packs.c.sessions_booked > 0)
    .values(sessions_booked=packs.c.sessions_booked - 1, **TAKE_ONE)
    .returning(*PACK_AFTER, packs.c.ends_at)
)

_MARK_COMPLETED = (
    update(sessions)
    .where(sessions.c.id == bindparam("session_id"), sessions.c.status == SessionStatus.SCHEDULED.value)
    .values(
        status=SessionStatus.COMPLETED.value,
        completed_at=NOW,
        completed_by=bindparam("actor_id"),
        number=bindparam("number"),
        request_key=bindparam("request_key"),
    )
    .returning(sessions.c.id)
)


def complete_booked(
    tx: Tx, guild_id: int, actor: Actor, ref: AnyRow, request_key: str | None = None
) -> SessionCompleted:
    if ref.status == SessionStatus.COMPLETED:
        return already_completed(ref)
    if ref.status == SessionStatus.CANCELLED:
        raise NothingToDo(
            f"Session #{ref.id} was cancelled, so it can't be completed; complete the student without "
            "naming a session to record one now."
        )
    refuse_unless_booked(ref, "completed")
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


def complete_unscheduled(
    tx: Tx,
    guild_id: int,
    actor: Actor,
    seat: SeatRef,
    request_key: str | None,
    known: tuple[int | None, bool] = (None, False),
) -> SessionCompleted:
    """A session recorded now, drawn from the oldest open pack. ``known``: a pack, and whether the
    seat holds another live pack besides it, as the caller read them."""
    pack = take_from_oldest_pack(tx, seat.seat_id, TAKE_ONE)
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
    owed, grace = after_taking(tx, guild_id, pack, student_user_id, mentor_user_id, renewed=renewed)
    ids = changes.record(
        tx,
        About(guild_id, pack.seat_id, pack.id, session_id),
        "session_completed",
        actor_id=actor.user_id,
        owed=owed,
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
        missed=pack.sessions_forfeited if pack.status != PackStatus.EXPIRED else 0,
        completed_at=tx.now,
        grace_ends_at=None if grace is None else grace.ends_at,
        notification_ids=ids,
    )


def complete_chosen(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int,
    session_id: int | None,
    choice_key: str,
) -> SessionCompleted:
    """R3: the answer to a ``CompletionChoice``: complete booked session ``session_id``, or (None) record
    one now. Both buttons of one question share ``choice_key``, which goes on the session completed, so
    pressing either twice, or both, completes exactly one session."""
    hold_request(tx, choice_key)
    earlier = tx.conn.execute(BY_REQUEST_KEY, {"request_key": choice_key}).scalar()
    if earlier is not None:
        ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=earlier, purpose="complete")
        return already_completed(ref)
    if session_id is None:
        seat = seat_for(
            tx,
            guild_id=guild_id,
            actor=actor,
            student_user_id=student_user_id,
            purpose="complete their sessions",
            several="name the session to complete",
        )
        return complete_unscheduled(tx, guild_id, actor, seat, choice_key)
    ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="complete")
    return complete_booked(tx, guild_id, actor, ref, choice_key)
