"""R18: a session missed. ``/noshow`` marks a booked session that has started as a no-show; a late
cancel (``core.sessions.cancel``) comes here too. Either takes a session off the pack when it counts,
with the renewal DMs, depletion and grace a completion would cause."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from core import changes, outbox, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, PackStatus, SessionStatus
from core.errors import InvalidInput
from core.schema import packs, sessions
from core.sessions.lookup import refuse_unless_booked, session_ref
from core.sessions.results import SessionMissed
from core.sessions.taking import IF_EXPIRED, PACK_AFTER, TAKE_ONE, after_taking
from core.texts import timestamp
from core.tx import AnyRow, Tx


def noshow_session(tx: Tx, *, guild_id: int, actor: Actor, session_id: int) -> SessionMissed:
    """R18: mark a booked session that has started as a no-show. It takes a session off the pack
    when the server's ``no_show_counts`` is on; the student is told either way."""
    ref = session_ref(tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="mark")
    refuse_unless_booked(ref, "marked as a no-show")
    if ref.starts_at > tx.now:
        raise InvalidInput(
            f"Session #{session_id} starts {timestamp(ref.starts_at, 'R')}; mark a no-show once it has started."
        )
    counts = tx.policy_for(guild_id).no_show_counts
    return missed(tx, guild_id, actor, ref, SessionStatus.NO_SHOW, take=counts)


# A session a no-show or late cancel takes is lost, not completed: it is counted with the forfeited
# ones, so R4's numbers keep counting completed sessions only.
_TAKE_MISSED = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_left > 0, packs.c.sessions_booked > 0)
    .values(
        sessions_booked=packs.c.sessions_booked - 1,
        sessions_forfeited=packs.c.sessions_forfeited + 1,
        **TAKE_ONE,
    )
    .returning(*PACK_AFTER, packs.c.ends_at)
)
_UNBOOK = (
    update(packs)
    .where(packs.c.id == bindparam("pack_id"), packs.c.sessions_booked > 0)
    .values(
        sessions_booked=packs.c.sessions_booked - 1,
        sessions_left=packs.c.sessions_left - IF_EXPIRED,
        sessions_forfeited=packs.c.sessions_forfeited + IF_EXPIRED,
    )
    .returning(packs.c.id)
)
_LEFT_ON_SEAT = select(func.coalesce(func.sum(packs.c.sessions_left), 0)).where(
    packs.c.seat_id == bindparam("seat_id"), packs.c.status == PackStatus.ACTIVE.value
)


def missed(
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
        owed, grace = after_taking(
            tx, guild_id, pack, ref.student_id, ref.mentor_user_id, missed=True, renewed=ref.renewed
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
    missed_one = About(guild_id, ref.seat_id, ref.pack_id, ref.id)
    told = [dm(missed_one, kind, ref.student_id, body, mentor=ref.mentor_user_id)]
    if status == SessionStatus.LATE_CANCELLED:  # the student cancelled: their mentor is told (R21)
        late_hours = tx.policy_for(guild_id).late_cancel_hours
        told.append(
            dm(
                missed_one,
                NotificationKind.SESSION_CANCELLED_MENTOR,
                ref.mentor_user_id,
                texts.session_cancelled_mentor(ref.student_id, ref.starts_at, late_hours),
            )
        )
    ids = changes.record(
        tx, missed_one, f"session_{status.value}", actor_id=actor.user_id, owed=[*told, *owed], taken=take
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
