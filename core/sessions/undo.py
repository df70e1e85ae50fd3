"""R16 ``/undo``: a completion reverted. The session is voided (kept, with the reason), its pack gets
the session back, a seat in grace returns to active, and the DMs the completion owed and has not sent
are dropped."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, case, or_, select, update

from core import changes, texts
from core.changes import About, dm
from core.domain import (
    MENTOR_UNDO_WINDOW,
    Actor,
    NotificationKind,
    NotificationStatus,
    PackStatus,
    SeatStatus,
    SessionStatus,
    given_reason,
)
from core.errors import NotAllowed, NotFound, NothingToDo
from core.locks import lock_seat_of_session
from core.schema import LIVE_SEAT, mentors, notifications, packs, seats, sessions
from core.seats.lookup import GAINS_A_LIVE_PACK
from core.sessions.results import SessionReverted
from core.texts import mention, timestamp
from core.tx import AnyRow, Tx

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
    lock_seat_of_session(
        tx, session_id
    )  # a completion or the sweep changing the seat waits, or is waited for
    ref = tx.conn.execute(_UNDO_REF, {"session_id": session_id, "guild_id": guild_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no session #{session_id} here; pick one from the list.")
    is_mentor = actor.user_id == ref.mentor_user_id
    if not is_mentor and not actor.is_admin:
        raise NotAllowed(f"Only {mention(ref.mentor_user_id)} or an admin can undo session #{session_id}.")
    if ref.status == SessionStatus.VOIDED:
        return _reverted(ref, ref.void_reason or "", already=True)
    _refuse_unless_undoable(tx, actor, ref)
    why = given_reason(reason)
    _void(tx, actor, ref, why)
    pack, ended, back_from_grace = _give_back(tx, ref)
    _drop_owed(tx, ref, back_from_grace)
    voided = About(guild_id, ref.seat_id, ref.pack_id, session_id)
    body = texts.session_reverted(
        ref.mentor_user_id, ref.starts_at, why, pack.sessions_left, pack.sessions_total, ended
    )
    ids = changes.record(
        tx,
        voided,
        "session_voided",
        actor_id=actor.user_id,
        owed=[dm(voided, NotificationKind.SESSION_REVERTED, ref.student_id, body, mentor=ref.mentor_user_id)],
        reason=why,
        number=ref.number,
        forfeited=ended,
        seat_back_from_grace=back_from_grace,
    )
    if back_from_grace:
        changes.record(tx, About(guild_id, ref.seat_id), "seat_grace_undone", actor_id=actor.user_id)
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


def _refuse_unless_undoable(tx: Tx, actor: Actor, ref: AnyRow) -> None:
    """A completion the caller may undo: completed, within the mentor's 24 hours (an admin any time),
    on a seat still held."""
    if ref.status != SessionStatus.COMPLETED:
        raise NothingToDo(
            f"Session #{ref.id} is {ref.status.replace('_', ' ')}, not completed; nothing to undo."
        )
    if not actor.is_admin and tx.now - ref.completed_at > MENTOR_UNDO_WINDOW:
        raise NotAllowed(
            f"Session #{ref.id} was completed {timestamp(ref.completed_at, 'R')}, more than 24 hours ago, "
            "so only an admin can undo it now."
        )
    if ref.seat_status == SeatStatus.RELEASED:
        raise NothingToDo(
            f"{mention(ref.student_id)}'s seat with {mention(ref.mentor_user_id)} has been released, so session "
            f"#{ref.id} can't be undone; grant a new pack with /pack grant instead."
        )


def _void(tx: Tx, actor: Actor, ref: AnyRow, why: str) -> None:
    """The session becomes voided, with the reason; the pack's later completions are numbered again."""
    tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == ref.id, sessions.c.status == SessionStatus.COMPLETED.value)
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


def _give_back(tx: Tx, ref: AnyRow) -> tuple[AnyRow, bool, bool]:
    """The pack gets the session back, or past its end date counts it forfeited; a depleted pack's seat
    has a live pack again. The pack after (left, total), whether it had ended, and whether the seat
    came back from grace."""
    ended = ref.ends_at <= tx.now or ref.pack_status in (PackStatus.EXPIRED, PackStatus.REVOKED)
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
        return pack, ended, False
    pack = tx.conn.execute(
        update(packs)
        .where(packs.c.id == ref.pack_id, packs.c.sessions_left < packs.c.sessions_total)
        .values(sessions_left=packs.c.sessions_left + 1, status=PackStatus.ACTIVE.value, closed_at=None)
        .returning(packs.c.sessions_left, packs.c.sessions_total)
    ).one()
    back_from_grace = False
    if ref.pack_status == PackStatus.DEPLETED:
        back_from_grace = ref.seat_status == SeatStatus.GRACE
        tx.conn.execute(update(seats).where(seats.c.id == ref.seat_id, LIVE_SEAT).values(**GAINS_A_LIVE_PACK))
    return pack, ended, back_from_grace


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
