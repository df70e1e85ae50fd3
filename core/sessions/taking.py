"""Taking one session off a pack, and what that owes: the pack a session is drawn from (the seat's
oldest active, unexpired pack with an unbooked session), the renewal DMs (R5), depletion and grace
(R6). Shared by a completion, a no-show and a late cancel (R18): R5 counts on the sessions left,
whatever took them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, select, update

from core import changes, outbox, rules, texts
from core.changes import About, dm
from core.domain import NotificationKind, PackStatus, SeatStatus, renewal_reminder, session_number
from core.schema import UTCDateTime, packs, seats
from core.tx import PICK_ATTEMPTS, AnyRow, Tx

NOW = bindparam("now", type_=UTCDateTime())
TAKE_ONE = {
    "sessions_left": packs.c.sessions_left - 1,
    "status": case(
        (
            and_(packs.c.sessions_left == 1, packs.c.status == PackStatus.ACTIVE.value),
            PackStatus.DEPLETED.value,
        ),
        else_=packs.c.status,
    ),
    "closed_at": case(
        (and_(packs.c.sessions_left == 1, packs.c.status == PackStatus.ACTIVE.value), NOW),
        else_=packs.c.closed_at,
    ),
}
PACK_AFTER = (
    packs.c.id,
    packs.c.seat_id,
    packs.c.sessions_total,
    packs.c.sessions_left,
    packs.c.sessions_forfeited,
    packs.c.status,
)


def oldest_open_pack(seat_id: Any, now: Any, ends_by: datetime | None = None) -> Select[tuple[int]]:
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


_LIVE_PACK_BESIDES = select(rules.renewed(bindparam("seat_id"), bindparam("pack_id")))


def take_from_oldest_pack(
    tx: Tx, seat_id: int, values: dict[str, Any], ends_by: datetime | None = None
) -> AnyRow | None:
    """Apply ``values`` to the seat's oldest active, unexpired pack with an unbooked session (and, with
    ``ends_by``, valid until then).

    The pick and the update are one conditional statement; if another transaction took the pack's
    last unbooked session first (PostgreSQL), the next oldest is tried.
    """
    unbooked = packs.c.sessions_left - packs.c.sessions_booked > 0
    oldest = oldest_open_pack(seat_id, tx.now, ends_by)
    take = (
        update(packs)
        .where(packs.c.id == oldest.scalar_subquery(), packs.c.status == PackStatus.ACTIVE.value, unbooked)
        .values(**values)
        .returning(*PACK_AFTER, packs.c.ends_at)
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


def after_taking(
    tx: Tx,
    guild_id: int,
    pack: AnyRow,
    student_user_id: int,
    mentor_user_id: int,
    missed: bool = False,
    renewed: bool | None = None,
) -> tuple[list[outbox.Owed], GraceStarted | None]:
    """R5, R6 once a session has been taken off ``pack`` (a completion, or a no-show or late cancel
    that counts, R18, ``missed``): the renewal DM owed, counted on the sessions left whatever took
    them, depletion and grace. ``renewed``: whether the seat holds another live pack, when the
    caller read it already."""
    depleted = pack.status == PackStatus.DEPLETED and pack.sessions_left == 0
    # A pack that expired and is finishing its booked sessions asks for no renewal: it has no grace.
    # Past its end date it counts as expired even before the sweep has marked it so (R8).
    live = pack.ends_at > tx.now
    counts_for_renewal = pack.status in (PackStatus.ACTIVE, PackStatus.DEPLETED) and live
    kind = (
        renewal_reminder(pack.sessions_total, pack.sessions_left, renewed=False)
        if counts_for_renewal
        else None
    )
    if not (kind or depleted):
        renewed = False
    elif renewed is None:
        renewed = _live_pack_besides(tx, pack.seat_id, pack.id)
    owed = []
    if kind is not None and not renewed:
        owed.append(_renewal_reminder(tx, guild_id, kind, pack, student_user_id, mentor_user_id, missed))
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
    missed: bool = False,
) -> outbox.Owed:
    """R5: the *one left* or *pack complete* DM for ``pack`` (``missed``: after a no-show or late
    cancel that took a session, R18, which is no session "done"). The sessions a no-show or late
    cancel took are counted with the forfeited ones, and the texts say so (R4)."""
    total, gone = pack.sessions_total, pack.sessions_forfeited
    number = session_number(total, pack.sessions_left, gone)
    body: str | texts.Deferred
    if kind == NotificationKind.ONE_LEFT and missed:
        body = texts.one_left_after_missed(mentor_user_id, total - pack.sessions_left, total)
    elif kind == NotificationKind.ONE_LEFT:
        body = texts.one_left(mentor_user_id, number, total, gone)
    else:
        body = texts.pack_complete(
            mentor_user_id,
            total,
            tx.now + tx.policy_for(guild_id).grace_period,
            gone,
        )
    return dm(About(guild_id, pack.seat_id, pack.id), kind, student_user_id, body, mentor=mentor_user_id)


@dataclass(frozen=True, slots=True)
class GraceStarted:
    """R6: the seat entered grace until ``ends_at``; the mentor is owed ``owed``."""

    ends_at: datetime
    owed: outbox.Owed


def _on_depletion(
    tx: Tx, guild_id: int, pack: AnyRow, student_user_id: int, mentor_user_id: int, renewed: bool
) -> GraceStarted | None:
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
    changes.record(
        tx,
        About(guild_id, pack.seat_id, pack.id),
        "seat_grace_started",
        actor_id=None,
        grace_ends_at=grace_ends_at.isoformat(),
    )
    return GraceStarted(
        grace_ends_at,
        dm(
            About(guild_id, pack.seat_id),
            NotificationKind.GRACE_STARTED,
            mentor_user_id,
            texts.grace_started(student_user_id, grace_ends_at),
            period=seat.grace_period,
        ),
    )


IF_EXPIRED = case((packs.c.status == PackStatus.EXPIRED.value, 1), else_=0)
