"""Corrections (R16) and the /complete that guesses nothing (R3): undoing a completion, extending and
revoking a pack, moving a seat to another mentor, removing a mentor; asking which session a
/complete means when the student's bookings are all later than the hour, and completing the one chosen.

Each is one transaction of conditional updates, recorded in history, that ends in the state of one run
however often it is repeated (a double click, two processes), or a refusal that changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update

from core import history, outbox, rules, texts
from core.bounds import MAX_VALID_DAYS, MIN_VALID_DAYS
from core.domain import (
    MENTOR_UNDO_WINDOW,
    Actor,
    CompletedChoice,
    NotificationKind,
    NotificationStatus,
    PackChoice,
    PackExtended,
    PackRevoked,
    PackStatus,
    SeatStatus,
    SessionCompleted,
    SessionReverted,
    SessionStatus,
    require_admin,
)
from core.errors import InvalidInput, NotAllowed, NotFound, NothingToDo
from core.schema import LIVE_SEAT, mentors, notifications, packs, seats, sessions
from core.seats.lookup import GAINS_A_LIVE_PACK, seat_for
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

# A reason is kept on the row and quoted in a DM: one line of reasonable length.
MAX_REASON = 300


def _reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise InvalidInput("Give a reason, so the student knows why; it is kept with the change.")
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(f"A reason is at most {MAX_REASON} characters; you gave {len(cleaned)}.")
    return cleaned if cleaned.endswith((".", "!", "?")) else f"{cleaned}."


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
    why = _reason(reason)
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


# ---- R16: packs ---------------------------------------------------------------------------------------

_PACK_REF = (
    select(
        packs.c.id,
        packs.c.status,
        packs.c.seat_id,
        packs.c.sessions_total,
        packs.c.sessions_left,
        packs.c.sessions_booked,
        packs.c.sessions_forfeited,
        packs.c.ends_at,
        packs.c.extend_key,
        seats.c.student_id,
        seats.c.status.label("seat_status"),
        seats.c.mentor_id,
        mentors.c.user_id.label("mentor_user_id"),
    )
    .join(seats, seats.c.id == packs.c.seat_id)
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .where(packs.c.id == bindparam("pack_id"), packs.c.guild_id == bindparam("guild_id"))
    .with_for_update(of=packs)
)


def _pack_ref(tx: Tx, guild_id: int, pack_id: int) -> AnyRow:
    ref = tx.conn.execute(_PACK_REF, {"pack_id": pack_id, "guild_id": guild_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no pack #{pack_id} here; pick one from the list.")
    return ref


def extend_pack(
    tx: Tx, *, guild_id: int, actor: Actor, pack_id: int, days: int, request_key: str | None = None
) -> PackExtended:
    """R16: move a pack's end date ``days`` later. An expired pack whose seat is still held returns to
    active with its forfeited sessions back."""
    require_admin(actor, "extend packs")
    if not MIN_VALID_DAYS <= days <= MAX_VALID_DAYS:
        raise InvalidInput(
            f"A pack is extended by {MIN_VALID_DAYS} to {MAX_VALID_DAYS} days; you gave {days}."
        )
    if request_key is not None:
        hold_request(tx, request_key)
    ref = _pack_ref(tx, guild_id, pack_id)
    result = {"pack_id": pack_id, "student_user_id": ref.student_id, "mentor_user_id": ref.mentor_user_id}
    if request_key is not None and ref.extend_key == request_key:
        return PackExtended(**result, ends_at=ref.ends_at, already_extended=True)
    who = f"{mention(ref.student_id)}'s pack #{pack_id} with {mention(ref.mentor_user_id)}"
    if ref.status == PackStatus.REVOKED:
        raise NothingToDo(f"{who} was refunded, so it can't be extended; grant a new pack with /pack grant.")
    if ref.status == PackStatus.DEPLETED:
        raise NothingToDo(f"{who} has no session left to extend; grant a new pack with /pack grant.")
    expired = ref.status == PackStatus.EXPIRED
    if expired and ref.sessions_left + ref.sessions_forfeited == 0:
        raise NothingToDo(f"{who} has no session left to extend; grant a new pack with /pack grant.")
    if expired and ref.seat_status == SeatStatus.RELEASED:
        raise NothingToDo(
            f"{who} expired and the seat has been released, so it can't be extended; grant a new pack with "
            "/pack grant."
        )
    # From the later of its end date and now, so an expired pack gets the days it was given.
    ends_at = max(ref.ends_at, tx.now) + timedelta(days=days)
    policy = tx.policy_for(guild_id)
    restored = ref.sessions_forfeited if expired else 0
    tx.conn.execute(
        update(packs)
        .where(packs.c.id == pack_id, packs.c.status == ref.status)
        .values(
            ends_at=ends_at,
            expiry_warning_at=rules.warning_at(ends_at, policy.expiry_warning_lead),
            expiry_warned=False,
            extend_key=request_key,
            **(
                {
                    "status": PackStatus.ACTIVE.value,
                    "sessions_left": packs.c.sessions_left + packs.c.sessions_forfeited,
                    "sessions_forfeited": 0,
                    "closed_at": None,
                }
                if expired
                else {}
            ),
        )
    )
    reactivated = expired
    if expired:
        # Back among the seat's active packs; a seat in grace has a live pack again.
        tx.conn.execute(update(seats).where(seats.c.id == ref.seat_id, LIVE_SEAT).values(**GAINS_A_LIVE_PACK))
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="pack_extended",
        seat_id=ref.seat_id,
        pack_id=pack_id,
        days=days,
        ends_at=ends_at.isoformat(),
        previous_ends_at=ref.ends_at.isoformat(),
        sessions_restored=restored,
    )
    return PackExtended(**result, ends_at=ends_at, reactivated=reactivated, sessions_restored=restored)


def revoke_pack(tx: Tx, *, guild_id: int, actor: Actor, pack_id: int, reason: str) -> PackRevoked:
    """R16: a refund. The pack's unused sessions are forfeited, its booked sessions cancelled (students
    told); a seat left with no other live pack is released at once, without grace (mentor and student
    told)."""
    require_admin(actor, "revoke packs")
    ref = _pack_ref(tx, guild_id, pack_id)
    people = {"pack_id": pack_id, "student_user_id": ref.student_id, "mentor_user_id": ref.mentor_user_id}
    if ref.status == PackStatus.REVOKED:
        return PackRevoked(**people, reason="", forfeited=ref.sessions_forfeited, already_revoked=True)
    why = _reason(reason)
    cancelled = tx.conn.execute(
        update(sessions)
        .where(sessions.c.pack_id == pack_id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .values(status=SessionStatus.CANCELLED.value, cancelled_at=tx.now, cancelled_by=actor.user_id)
        .returning(sessions.c.id, sessions.c.starts_at)
    ).all()
    tx.conn.execute(
        update(packs)
        .where(packs.c.id == pack_id, packs.c.status == ref.status)
        .values(
            status=PackStatus.REVOKED.value,
            sessions_forfeited=packs.c.sessions_forfeited + packs.c.sessions_left,
            sessions_left=0,
            sessions_booked=0,
            closed_at=func.coalesce(packs.c.closed_at, tx.now),
        )
    )
    forfeited = ref.sessions_left  # booked ones included: they were cancelled with the refund
    owed: list[outbox.Owed] = [
        outbox.Owed(
            guild_id=guild_id,
            kind=NotificationKind.SESSION_CANCELLED,
            key=outbox.key(NotificationKind.SESSION_CANCELLED, "session", row.id),
            recipient_id=ref.student_id,
            body=texts.session_cancelled_refund(ref.mentor_user_id, row.starts_at),
            mentor_user_id=ref.mentor_user_id,
            seat_id=ref.seat_id,
            pack_id=pack_id,
            session_id=row.id,
        )
        for row in cancelled
    ]
    if ref.status == PackStatus.ACTIVE:
        tx.conn.execute(
            update(seats)
            .where(seats.c.id == ref.seat_id, seats.c.active_packs > 0)
            .values(active_packs=seats.c.active_packs - 1)
        )
    released = _release_if_bare(tx, guild_id, actor, ref, why)
    if released is not None:
        owed += released
    else:
        owed += [
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.PACK_REVOKED,
                key=outbox.key(NotificationKind.PACK_REVOKED, "pack", pack_id),
                recipient_id=ref.student_id,
                body=texts.pack_revoked(ref.mentor_user_id, forfeited, why),
                mentor_user_id=ref.mentor_user_id,
                seat_id=ref.seat_id,
                pack_id=pack_id,
            ),
            outbox.Owed(
                guild_id=guild_id,
                kind=NotificationKind.PACK_REVOKED_MENTOR,
                key=outbox.key(NotificationKind.PACK_REVOKED_MENTOR, "pack", pack_id),
                recipient_id=ref.mentor_user_id,
                body=texts.pack_revoked_mentor(ref.student_id, forfeited, why),
                seat_id=ref.seat_id,
                pack_id=pack_id,
            ),
        ]
    ids = outbox.queue(tx, owed)
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="pack_revoked",
        seat_id=ref.seat_id,
        pack_id=pack_id,
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
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="seat_released",
        seat_id=ref.seat_id,
        reason="refund",
    )
    seat_freed(tx, ref.mentor_id)
    return [
        outbox.Owed(
            guild_id=guild_id,
            kind=NotificationKind.SEAT_RELEASED,
            key=outbox.key(NotificationKind.SEAT_RELEASED, "seat", ref.seat_id),
            recipient_id=ref.student_id,
            body=texts.seat_released_refund(ref.mentor_user_id, why),
            mentor_user_id=ref.mentor_user_id,
            seat_id=ref.seat_id,
        ),
        outbox.Owed(
            guild_id=guild_id,
            kind=NotificationKind.SEAT_RELEASED_MENTOR,
            key=outbox.key(NotificationKind.SEAT_RELEASED_MENTOR, "seat", ref.seat_id),
            recipient_id=ref.mentor_user_id,
            body=texts.seat_released_mentor_refund(ref.student_id, why, mentor.seats_held, mentor.capacity),
            seat_id=ref.seat_id,
        ),
    ]


# ---- the ``pack`` option's choices -----------------------------------------------------------------


def pack_choices(tx: Tx, *, guild_id: int, actor: Actor, typed: str = "") -> list[PackChoice]:
    """The packs an admin may extend or revoke here (not revoked ones), live seats first, newest first;
    narrowed to those whose student or mentor name holds ``typed``, or whose number starts with it."""
    if not actor.is_admin:
        return []
    query = (
        select(
            packs.c.id,
            seats.c.student_name,
            mentors.c.display_name,
            packs.c.status,
            packs.c.sessions_left,
            packs.c.sessions_total,
            packs.c.ends_at,
        )
        .join(seats, seats.c.id == packs.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(packs.c.guild_id == guild_id, packs.c.status != PackStatus.REVOKED.value)
        .order_by(case((LIVE_SEAT, 0), else_=1), packs.c.id.desc())
        .limit(25)
    )
    query = _narrowed(query, typed, packs.c.id)
    return [
        PackChoice(
            pack_id=row.id,
            student_name=row.student_name,
            mentor_name=row.display_name,
            status=PackStatus(row.status),
            left=row.sessions_left,
            total=row.sessions_total,
            ends_at=row.ends_at,
        )
        for row in tx.conn.execute(query)
    ]


def _narrowed(query: Any, typed: str, number: Any) -> Any:
    """An autocomplete's ``query`` narrowed by what was typed: ``#12`` or ``12`` the row ``number``,
    other text a part of the student's or the mentor's name. In SQL, before the 25 are taken."""
    wanted = typed.strip().lstrip("#").lower()
    if wanted.isdigit():
        return query.where(number == int(wanted))
    if wanted:
        pattern = f"%{wanted}%"
        return query.where(
            or_(
                func.lower(seats.c.student_name).like(pattern),
                func.lower(mentors.c.display_name).like(pattern),
            )
        )
    return query


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
    query = _narrowed(query, typed, sessions.c.id)
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
