"""R10, R18 ``/cancel``: a booked session cancelled. A mentor's or an admin's cancel takes nothing off
the pack; the student's own, too close to the start, is a late cancel that takes the session once
they confirm."""

from __future__ import annotations

from sqlalchemy import update

from core import changes, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, SessionStatus
from core.errors import NothingToDo
from core.schema import packs, sessions
from core.sessions.lookup import refuse_unless_booked, session_ref
from core.sessions.noshow import missed
from core.sessions.results import LateCancelToConfirm, SessionCancelled, SessionMissed
from core.sessions.taking import IF_EXPIRED
from core.texts import mention, timestamp
from core.tx import AnyRow, Tx


def cancel_session(
    tx: Tx, *, guild_id: int, actor: Actor, session_id: int, confirm_late: bool = False
) -> SessionCancelled | SessionMissed | LateCancelToConfirm:
    """R10, R18: cancel a booked session.

    The seat's mentor or an admin: nothing is taken off the pack. The student (their own session,
    before it starts): the same, unless it starts within ``late_cancel_hours``; then it is a late
    cancel that takes the session, and nothing changes until they confirm (``confirm_late``).
    """
    ref = session_ref(
        tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="cancel", student_may=True
    )
    refuse_unless_booked(ref, "cancelled")
    by_student = (
        actor.user_id == ref.student_id and actor.user_id != ref.mentor_user_id and not actor.is_admin
    )
    if by_student:
        late = _late_cancel(tx, guild_id, actor, ref, confirm_late)
        if late is not None:
            return late
    _unbook(tx, actor, ref)
    cancelled = About(guild_id, ref.seat_id, ref.pack_id, session_id)
    owed = [
        dm(
            cancelled,
            NotificationKind.SESSION_CANCELLED,
            ref.student_id,
            texts.session_cancelled(ref.mentor_user_id, ref.starts_at),
            mentor=ref.mentor_user_id,
        )
    ]
    if by_student:  # R21: the mentor is told of a cancel the student made
        owed.append(
            dm(
                cancelled,
                NotificationKind.SESSION_CANCELLED_MENTOR,
                ref.mentor_user_id,
                texts.session_cancelled_mentor(ref.student_id, ref.starts_at),
            )
        )
    ids = changes.record(tx, cancelled, "session_cancelled", actor_id=actor.user_id, owed=owed)
    return SessionCancelled(
        session_id=session_id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        starts_at=ref.starts_at,
        notification_ids=ids,
    )


def _late_cancel(
    tx: Tx, guild_id: int, actor: Actor, ref: AnyRow, confirm_late: bool
) -> SessionMissed | LateCancelToConfirm | None:
    """R18, the student cancelling their own session: refused once it started; within
    ``late_cancel_hours`` of its start a late cancel, asked first, taken once confirmed. None: an
    ordinary cancel."""
    if ref.starts_at <= tx.now:
        raise NothingToDo(
            f"Session #{ref.id} started {timestamp(ref.starts_at, 'R')}, so it can't be cancelled; "
            f"talk to {mention(ref.mentor_user_id)} about it."
        )
    policy = tx.policy_for(guild_id)
    if policy.late_cancel_hours and ref.starts_at - tx.now < policy.late_cancel_lead:
        if not confirm_late:
            return LateCancelToConfirm(ref.id, ref.mentor_user_id, ref.starts_at, policy.late_cancel_hours)
        return missed(tx, guild_id, actor, ref, SessionStatus.LATE_CANCELLED, take=True)
    return None


def _unbook(tx: Tx, actor: Actor, ref: AnyRow) -> None:
    """The session cancelled, its pack's booking given back (nothing taken off it)."""
    changed = tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == ref.id, sessions.c.status == SessionStatus.SCHEDULED.value)
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
            sessions_left=packs.c.sessions_left - IF_EXPIRED,
            sessions_forfeited=packs.c.sessions_forfeited + IF_EXPIRED,
        )
        .returning(packs.c.id)
    ).scalar()
    if changed is None or released is None:
        raise RuntimeError(f"session {ref.id} changed while it was being cancelled")
