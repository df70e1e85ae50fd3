"""Corrections (R16) and the /complete that guesses nothing (R3): undoing a completion, extending and
revoking a pack, moving a seat to another mentor, removing a mentor; asking which session a
/complete means when the student's bookings are all later than the hour, and completing the one chosen.

Each is one transaction of conditional updates, recorded in history, that ends in the state of one run
however often it is repeated (a double click, two processes), or a refusal that changes nothing.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, case, or_, select, update

from core import history, outbox, texts
from core.domain import (
    MENTOR_UNDO_WINDOW,
    Actor,
    CompletedChoice,
    NotificationKind,
    NotificationStatus,
    PackStatus,
    SeatStatus,
    SessionCompleted,
    SessionReverted,
    SessionStatus,
    given_reason,
)
from core.errors import NotAllowed, NotFound, NothingToDo
from core.packs.choices import pack_choices as pack_choices
from core.packs.extend import extend_pack as extend_pack
from core.packs.revoke import revoke_pack as revoke_pack
from core.schema import LIVE_SEAT, mentors, notifications, packs, seats, sessions
from core.seats.lookup import GAINS_A_LIVE_PACK, narrowed, seat_for
from core.seats.mentors import remove_mentor as remove_mentor
from core.seats.move import move_seat as move_seat
from core.texts import mention, timestamp
from core.tx import AnyRow, Tx, hold_request
from core.usecases.sessions import (
    _already_completed,
    _complete_booked,
    _complete_unscheduled,
    _session_ref,
    complete_or_ask,
)
from core.waitlist.offers import seat_freed

# ---- R3: /complete guesses nothing ------------------------------------------------------------------

_BY_REQUEST = select(sessions.c.id).where(sessions.c.request_key == bindparam("request_key"))


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
    earlier = tx.conn.execute(_BY_REQUEST, {"request_key": choice_key}).scalar()
    if earlier is not None:
        ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=earlier, purpose="complete")
        return _already_completed(ref)
    if session_id is None:
        seat = seat_for(
            tx,
            guild_id=guild_id,
            actor=actor,
            student_user_id=student_user_id,
            purpose="complete their sessions",
            several="name the session to complete",
        )
        return _complete_unscheduled(tx, guild_id, actor, seat, choice_key)
    ref = _session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="complete")
    return _complete_booked(tx, guild_id, actor, ref, choice_key)


# ---- R16: /undo ---------------------------------------------------------------------------------------

_UNDO_REF = (
    select(
        sessions.c.id,
        sessions.c.status,
        sessions.c.pack_id,
        sessions.c.seat_id,
        sessions.c.starts_at,
        sessions.c.completed_at,
        sessions.c.number,
        sessions.c.voided_at,
        sessions.c.void_reason,
        seats.c.student_id,
        seats.c.status.label("seat_status"),
        seats.c.grace_period,
        mentors.c.user_id.label("mentor_user_id"),
        packs.c.sessions_total,
        packs.c.sessions_left,
        packs.c.status.label("pack_status"),
        packs.c.ends_at,
    )
    .join(seats, seats.c.id == sessions.c.seat_id)
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .join(packs, packs.c.id == sessions.c.pack_id)
    .where(sessions.c.id == bindparam("session_id"), sessions.c.guild_id == bindparam("guild_id"))
    # PostgreSQL: two undos of one session (and an undo beside a completion) queue up here.
    .with_for_update(of=sessions)
)


def undo_session(tx: Tx, *, guild_id: int, actor: Actor, session_id: int, reason: str) -> SessionReverted:
    """R16: revert a completion. The session becomes ``voided`` (kept, with the reason); its pack gets
    the session back (a depleted pack returns to active and a seat in grace with it; a pack past its end
    date stays expired and the session counts as forfeited); later completions of the pack are numbered
    again (R4 counts completed sessions only); DMs owed for the completion and not sent yet are dropped;
    the student is told. The seat's mentor may undo within 24 hours, an admin while the seat is held."""
    ref = tx.conn.execute(_UNDO_REF, {"session_id": session_id, "guild_id": guild_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no session #{session_id} here; pick one from the list.")
    is_mentor = actor.user_id == ref.mentor_user_id
    if not is_mentor and not actor.is_admin:
        raise NotAllowed(f"Only {mention(ref.mentor_user_id)} or an admin can undo session #{session_id}.")
    if ref.status == SessionStatus.VOIDED:
        return _reverted(ref, ref.void_reason or "", already=True)
    if ref.status != SessionStatus.COMPLETED:
        raise NothingToDo(
            f"Session #{session_id} is {ref.status.replace('_', ' ')}, not completed; nothing to undo."
        )
    if not actor.is_admin and tx.now - ref.completed_at > MENTOR_UNDO_WINDOW:
        raise NotAllowed(
            f"Session #{session_id} was completed {timestamp(ref.completed_at, 'R')}, more than 24 hours ago, "
            "so only an admin can undo it now."
        )
    if ref.seat_status == SeatStatus.RELEASED:
        raise NothingToDo(
            f"{mention(ref.student_id)}'s seat with {mention(ref.mentor_user_id)} has been released, so session "
            f"#{session_id} can't be undone; grant a new pack with /pack grant instead."
        )
    why = given_reason(reason)
    tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id, sessions.c.status == SessionStatus.COMPLETED.value)
        .values(status=SessionStatus.VOIDED.value, voided_at=tx.now, voided_by=actor.user_id, void_reason=why)
    )
    # R4: the pack's later completions move down one, so each number is again a count of completions.
    tx.conn.execute(
        update(sessions)
        .where(
            sessions.c.pack_id == ref.pack_id,
            sessions.c.status == SessionStatus.COMPLETED.value,
            sessions.c.number > (ref.number or 0),
        )
        .values(number=sessions.c.number - 1)
    )
    ended = ref.ends_at <= tx.now or ref.pack_status in (PackStatus.EXPIRED, PackStatus.REVOKED)
    back_from_grace = False
    if ended:
        # Past its end date the session cannot be used any more: forfeited, as R8 forfeits the rest.
        pack = tx.conn.execute(
            update(packs)
            .where(packs.c.id == ref.pack_id)
            .values(
                sessions_forfeited=packs.c.sessions_forfeited + 1,
                status=case(
                    (packs.c.status == PackStatus.DEPLETED.value, PackStatus.EXPIRED.value),
                    else_=packs.c.status,
                ),
            )
            .returning(packs.c.sessions_left, packs.c.sessions_total)
        ).one()
    else:
        pack = tx.conn.execute(
            update(packs)
            .where(packs.c.id == ref.pack_id, packs.c.sessions_left < packs.c.sessions_total)
            .values(sessions_left=packs.c.sessions_left + 1, status=PackStatus.ACTIVE.value, closed_at=None)
            .returning(packs.c.sessions_left, packs.c.sessions_total)
        ).one()
        if ref.pack_status == PackStatus.DEPLETED:
            back_from_grace = ref.seat_status == SeatStatus.GRACE
            tx.conn.execute(
                update(seats).where(seats.c.id == ref.seat_id, LIVE_SEAT).values(**GAINS_A_LIVE_PACK)
            )
    _drop_owed(tx, ref, back_from_grace)
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.SESSION_REVERTED,
                key=outbox.key(NotificationKind.SESSION_REVERTED, "session", session_id),
                recipient_id=ref.student_id,
                body=texts.session_reverted(
                    ref.mentor_user_id, ref.starts_at, why, pack.sessions_left, pack.sessions_total, ended
                ),
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
        action="session_voided",
        seat_id=ref.seat_id,
        pack_id=ref.pack_id,
        session_id=session_id,
        reason=why,
        number=ref.number,
        forfeited=ended,
        seat_back_from_grace=back_from_grace,
    )
    if back_from_grace:
        history.record(
            tx, guild_id=guild_id, actor_id=actor.user_id, action="seat_grace_undone", seat_id=ref.seat_id
        )
    return SessionReverted(
        session_id=session_id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        reason=why,
        total=pack.sessions_total,
        left=pack.sessions_left,
        voided_at=tx.now,
        forfeited=ended,
        seat_back_from_grace=back_from_grace,
        notification_ids=ids,
    )


def _reverted(ref: AnyRow, reason: str, *, already: bool) -> SessionReverted:
    return SessionReverted(
        session_id=ref.id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        reason=reason,
        total=ref.sessions_total,
        left=ref.sessions_left,
        voided_at=ref.voided_at,
        already_voided=already,
    )


_n = notifications.c


def _drop_owed(tx: Tx, ref: AnyRow, back_from_grace: bool) -> None:
    """Drop what the reverted completion owed and has not sent: the pack's renewal reminders and, when
    the seat left grace, that grace's notes. Each key gets the session's id appended, freeing it for
    the same fact should a later completion bring it about again."""
    owed = [
        and_(
            _n.pack_id == ref.pack_id,
            or_(_n.kind == NotificationKind.ONE_LEFT.value, _n.kind == NotificationKind.PACK_COMPLETE.value),
        )
    ]
    if back_from_grace:
        owed.append(
            and_(
                _n.seat_id == ref.seat_id,
                _n.seat_period == ref.grace_period,
                or_(
                    _n.kind == NotificationKind.GRACE_STARTED.value,
                    _n.kind == NotificationKind.FINAL_WARNING.value,
                ),
            )
        )
    tx.conn.execute(
        update(notifications)
        .where(_n.status == NotificationStatus.PENDING.value, or_(*owed))
        .values(
            status=NotificationStatus.DROPPED.value,
            key=_n.key + f":reverted:{ref.id}",
            # A worker holding it now can no longer mark it sent.
            lease_token=_n.lease_token + 1,
            last_error="reverted by /undo",
        )
    )


def undo_choices(tx: Tx, *, guild_id: int, actor: Actor, typed: str = "") -> list[CompletedChoice]:
    """The completions the caller may undo here, latest first: a mentor's own of the last 24 hours, an
    admin's any on a seat still held; narrowed by ``typed`` (a name, or ``#`` and the number)."""
    query = (
        select(
            sessions.c.id,
            seats.c.student_name,
            mentors.c.display_name,
            sessions.c.completed_at,
            sessions.c.number,
            packs.c.sessions_total,
        )
        .join(seats, seats.c.id == sessions.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .join(packs, packs.c.id == sessions.c.pack_id)
        .where(
            sessions.c.guild_id == guild_id,
            sessions.c.status == SessionStatus.COMPLETED.value,
            seats.c.status != SeatStatus.RELEASED.value,
        )
        .order_by(sessions.c.completed_at.desc(), sessions.c.id.desc())
        .limit(25)
    )
    if not actor.is_admin:
        query = query.where(
            mentors.c.user_id == actor.user_id, sessions.c.completed_at >= tx.now - MENTOR_UNDO_WINDOW
        )
    query = narrowed(query, typed, sessions.c.id)
    return [
        CompletedChoice(
            session_id=row.id,
            student_name=row.student_name,
            mentor_name=row.display_name,
            completed_at=row.completed_at,
            number=row.number or 0,
            total=row.sessions_total,
        )
        for row in tx.conn.execute(query)
    ]


__all__: list[str] = [
    "complete_chosen",
    "complete_or_ask",
    "extend_pack",
    "move_seat",
    "pack_choices",
    "remove_mentor",
    "revoke_pack",
    "seat_freed",
    "undo_choices",
    "undo_session",
]
