"""R16 ``/pack revoke``: a refund. Unused sessions are forfeited, booked ones cancelled, and a seat left
with no other live pack is released at once, without grace."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select, update

from core import changes, outbox, texts
from core.changes import About, dm
from core.domain import (
    Actor,
    NotificationKind,
    PackStatus,
    SeatStatus,
    SessionStatus,
    given_reason,
    require_admin,
)
from core.packs.lookup import pack_ref
from core.packs.results import PackRevoked
from core.schema import LIVE_SEAT, mentors, packs, seats, sessions
from core.tx import AnyRow, Tx
from core.waitlist.offers import seat_freed


def revoke_pack(tx: Tx, *, guild_id: int, actor: Actor, pack_id: int, reason: str) -> PackRevoked:
    """R16: a refund. The pack's unused sessions are forfeited, its booked sessions cancelled (students
    told); a seat left with no other live pack is released at once, without grace (mentor and student
    told)."""
    require_admin(actor, "revoke packs")
    ref = pack_ref(tx, guild_id, pack_id)
    people = {"pack_id": pack_id, "student_user_id": ref.student_id, "mentor_user_id": ref.mentor_user_id}
    if ref.status == PackStatus.REVOKED:
        return PackRevoked(**people, reason="", forfeited=ref.sessions_forfeited, already_revoked=True)
    why = given_reason(reason)
    cancelled = _refund(tx, actor, ref)
    forfeited = ref.sessions_left  # booked ones included: they were cancelled with the refund
    revoked = About(guild_id, ref.seat_id, pack_id)
    owed = [
        dm(
            About(guild_id, ref.seat_id, pack_id, row.id),
            NotificationKind.SESSION_CANCELLED,
            ref.student_id,
            texts.session_cancelled_refund(ref.mentor_user_id, row.starts_at),
            mentor=ref.mentor_user_id,
        )
        for row in cancelled
    ]
    released = _release_if_bare(tx, guild_id, actor, ref, why)
    if released is not None:
        owed += released
    else:
        owed += _told_of_refund(revoked, ref, forfeited, why)
    ids = changes.record(
        tx,
        revoked,
        "pack_revoked",
        actor_id=actor.user_id,
        owed=owed,
        reason=why,
        forfeited=forfeited,
        cancelled_sessions=[row.id for row in cancelled],
        seat_released=released is not None,
    )
    return PackRevoked(
        **people,
        reason=why,
        forfeited=forfeited,
        cancelled_sessions=tuple(row.id for row in cancelled),
        seat_released=released is not None,
        notification_ids=ids,
    )


def _told_of_refund(revoked: About, ref: AnyRow, forfeited: int, why: str) -> list[outbox.Owed]:
    """The student and the mentor told of a refund that left the seat held."""
    return [
        dm(
            revoked,
            NotificationKind.PACK_REVOKED,
            ref.student_id,
            texts.pack_revoked(ref.mentor_user_id, forfeited, why),
            mentor=ref.mentor_user_id,
        ),
        dm(
            revoked,
            NotificationKind.PACK_REVOKED_MENTOR,
            ref.mentor_user_id,
            texts.pack_revoked_mentor(ref.student_id, forfeited, why),
        ),
    ]


def _refund(tx: Tx, actor: Actor, ref: AnyRow) -> list[AnyRow]:
    """Pack ``ref`` revoked: its booked sessions cancelled (the rows: id, start), its unused sessions
    forfeited, and it leaves its seat's active packs."""
    cancelled = tx.conn.execute(
        update(sessions)
        .where(sessions.c.pack_id == ref.id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .values(status=SessionStatus.CANCELLED.value, cancelled_at=tx.now, cancelled_by=actor.user_id)
        .returning(sessions.c.id, sessions.c.starts_at)
    ).all()
    tx.conn.execute(
        update(packs)
        .where(packs.c.id == ref.id, packs.c.status == ref.status)
        .values(
            status=PackStatus.REVOKED.value,
            sessions_forfeited=packs.c.sessions_forfeited + packs.c.sessions_left,
            sessions_left=0,
            sessions_booked=0,
            closed_at=func.coalesce(packs.c.closed_at, tx.now),
        )
    )
    if ref.status == PackStatus.ACTIVE:
        tx.conn.execute(
            update(seats)
            .where(seats.c.id == ref.seat_id, seats.c.active_packs > 0)
            .values(active_packs=seats.c.active_packs - 1)
        )
    return list(cancelled)


_OTHER_LIVE = select(func.count()).where(
    packs.c.seat_id == bindparam("seat_id"),
    packs.c.id != bindparam("pack_id"),
    or_(
        packs.c.status == PackStatus.ACTIVE.value,
        # An expired pack still finishing its booked sessions keeps the seat until they are done (R9).
        and_(packs.c.status == PackStatus.EXPIRED.value, packs.c.sessions_booked > 0),
    ),
)


def _release_if_bare(tx: Tx, guild_id: int, actor: Actor, ref: AnyRow, why: str) -> list[outbox.Owed] | None:
    """Release the seat of revoked pack ``ref`` at once if it holds no other live pack; what it owes."""
    if ref.seat_status == SeatStatus.RELEASED:
        return None
    if tx.conn.execute(_OTHER_LIVE, {"seat_id": ref.seat_id, "pack_id": ref.id}).scalar():
        return None
    freed = tx.conn.execute(
        update(seats)
        .where(seats.c.id == ref.seat_id, LIVE_SEAT)
        .values(
            status=SeatStatus.RELEASED.value,
            released_at=tx.now,
            grace_ends_at=None,
            final_warning_at=None,
            final_warning_queued=False,
        )
        .returning(seats.c.id)
    ).scalar()
    if freed is None:
        return None
    mentor = tx.conn.execute(
        update(mentors)
        .where(mentors.c.id == ref.mentor_id, mentors.c.seats_held > 0)
        .values(seats_held=mentors.c.seats_held - 1)
        .returning(mentors.c.seats_held, mentors.c.capacity)
    ).one()
    seat = About(guild_id, ref.seat_id)
    changes.record(tx, seat, "seat_released", actor_id=actor.user_id, reason="refund")
    seat_freed(tx, ref.mentor_id)
    return [
        dm(
            seat,
            NotificationKind.SEAT_RELEASED,
            ref.student_id,
            texts.seat_released_refund(ref.mentor_user_id, why),
            mentor=ref.mentor_user_id,
        ),
        dm(
            seat,
            NotificationKind.SEAT_RELEASED_MENTOR,
            ref.mentor_user_id,
            texts.seat_released_mentor_refund(ref.student_id, why, mentor.seats_held, mentor.capacity),
        ),
    ]
