"""Purchases (R17): an entitlement for a server's renewal SKU placed as a pack on the buyer's seat,
or kept unplaced until an admin names it in ``/pack grant … purchase:``.

A purchase is keyed by its entitlement id (``purchases.entitlement_id`` is unique and inserted with
``ON CONFLICT DO NOTHING``), and placed in the transaction that records it, so the same entitlement
delivered twice, read again by a sweep, retried after a crash or seen by two processes grants one
pack. Consuming the entitlement at Discord happens after that commit (``core.shop``); ``mark_consumed``
records that it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from core import changes, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, PackStatus, PurchaseStatus, SeatStatus
from core.errors import NoFreeSeat
from core.packs.grant import grant_pack
from core.packs.results import PackGranted
from core.purchases.results import PurchaseRecorded
from core.schema import mentors, packs, purchases, seats
from core.tx import PICK_ATTEMPTS, Tx

# Seats a purchase can go to, in the spec's order: the one in grace, else one offered to the buyer
# (R19), else a live one.
_TARGET_STATUSES = (SeatStatus.GRACE.value, SeatStatus.OFFERED.value, SeatStatus.ACTIVE.value)
_FAR = datetime.max.replace(tzinfo=UTC)


def record_purchase(
    tx: Tx,
    *,
    entitlement_id: int,
    sku_id: int,
    buyer_user_id: int,
    guild_id: int | None = None,
    server_ids: Sequence[int] = (),
) -> PurchaseRecorded | None:
    """R17: record what an entitlement bought and place it on the buyer's seat.

    The seat is the buyer's seat in grace (the soonest deadline first), else one offered to them,
    else their live seat with the fewest sessions left, among the servers that sell ``sku_id`` as
    their renewal SKU (only ``guild_id`` when the entitlement names one). With no such seat it is
    kept unplaced in the server it was bought for: the buyer is told, and the admins in the
    fallback channel. ``server_ids``: the servers the bot is in, to find that server when the buyer
    holds no seat anywhere. None: no server sells this SKU, so it is not ours to place.
    """
    seen = _recorded(tx, entitlement_id)
    if seen is not None:
        return seen
    for _ in range(PICK_ATTEMPTS):
        target = _target_seat(tx, buyer_user_id, sku_id, guild_id)
        if target is None:
            return _keep_unplaced(tx, entitlement_id, sku_id, buyer_user_id, guild_id, server_ids)
        purchase_id = _claim(tx, entitlement_id, target.guild_id, buyer_user_id, sku_id)
        if purchase_id is None:
            return _recorded(tx, entitlement_id)  # another process recorded it just now
        try:  # an offered seat is taken by the grant (R19), as an admin's grant takes it
            granted = grant_pack(
                tx,
                guild_id=target.guild_id,
                # The buyer did it (R13); a purchase is the payment an admin's grant stands for.
                actor=Actor(buyer_user_id, is_admin=True),
                student_user_id=buyer_user_id,
                student_name=target.student_name,
                mentor_user_id=target.mentor_user_id,
                request_key=f"purchase:{entitlement_id}",
            )
        except NoFreeSeat:
            # PostgreSQL: the seat was released between the pick and the grant; pick again.
            tx.conn.execute(purchases.delete().where(purchases.c.id == purchase_id))
            continue
        return _placed(
            tx,
            target.guild_id,
            purchase_id,
            entitlement_id,
            buyer_user_id,
            granted,
            actor_id=buyer_user_id,
            mark=True,
        )
    raise RuntimeError("could not settle the seat for a purchase after several attempts")


def mark_consumed(tx: Tx, *, entitlement_ids: Iterable[int]) -> int:
    """Record that Discord consumed these entitlements; returns how many were not recorded yet."""
    wanted = list(entitlement_ids)
    if not wanted:
        return 0
    return tx.conn.execute(
        update(purchases)
        .where(purchases.c.entitlement_id.in_(wanted), purchases.c.consumed_at.is_(None))
        .values(consumed_at=tx.now)
    ).rowcount


# ---- steps -------------------------------------------------------------------------------------------


def _recorded(tx: Tx, entitlement_id: int) -> PurchaseRecorded | None:
    row = tx.conn.execute(select(purchases).where(purchases.c.entitlement_id == entitlement_id)).one_or_none()
    if row is None:
        return None
    return PurchaseRecorded(
        purchase_id=row.id,
        entitlement_id=entitlement_id,
        guild_id=row.guild_id,
        buyer_user_id=row.user_id,
        status=PurchaseStatus(row.status),
        already_recorded=True,
        consumed=row.consumed_at is not None,
    )


def _selling(tx: Tx, guild_ids: Iterable[int], sku_id: int) -> list[int]:
    """The servers among ``guild_ids`` whose renewal SKU is ``sku_id`` (R14: each its own setting)."""
    return [guild for guild in sorted(set(guild_ids)) if tx.policy_for(guild).renewal_sku_id == sku_id]


def _target_seat(tx: Tx, buyer_user_id: int, sku_id: int, guild_id: int | None) -> Any:
    left = (
        select(func.coalesce(func.sum(packs.c.sessions_left), 0))
        .where(packs.c.seat_id == seats.c.id, packs.c.status == PackStatus.ACTIVE.value)
        .scalar_subquery()
    )
    ends = (
        select(func.min(packs.c.ends_at))
        .where(packs.c.seat_id == seats.c.id, packs.c.status == PackStatus.ACTIVE.value)
        .scalar_subquery()
    )
    query = (
        select(
            seats.c.id,
            seats.c.guild_id,
            seats.c.status,
            seats.c.grace_ends_at,
            seats.c.student_name,
            mentors.c.user_id.label("mentor_user_id"),
            left.label("sessions_left"),
            ends.label("ends_at"),
        )
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.student_id == buyer_user_id, seats.c.status.in_(_TARGET_STATUSES))
    )
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    rows = list(tx.conn.execute(query))
    selling = set(_selling(tx, (row.guild_id for row in rows), sku_id))
    candidates = [row for row in rows if row.guild_id in selling]
    return min(candidates, key=_urgency, default=None)


def _urgency(row: Any) -> tuple[int, datetime, int, datetime, int]:
    """R17's order: grace (soonest deadline first), then offered, then the fewest sessions left (the
    pack ending soonest breaks a tie); across servers the same order, so the most urgent seat wins."""
    if row.status == SeatStatus.GRACE.value:
        return (0, row.grace_ends_at or _FAR, 0, _FAR, row.id)
    if row.status == SeatStatus.OFFERED.value:
        return (1, _FAR, 0, _FAR, row.id)
    return (2, _FAR, int(row.sessions_left), row.ends_at or _FAR, row.id)


def _claim(tx: Tx, entitlement_id: int, guild_id: int, buyer_user_id: int, sku_id: int) -> int | None:
    """Insert the purchase row (unplaced until placed in this transaction); None if it exists."""
    inserted: int | None = tx.conn.execute(
        tx.upsert(purchases)
        .values(
            entitlement_id=entitlement_id,
            guild_id=guild_id,
            user_id=buyer_user_id,
            sku_id=sku_id,
            status=PurchaseStatus.UNPLACED.value,
            created_at=tx.now,
        )
        .on_conflict_do_nothing(index_elements=["entitlement_id"])
        .returning(purchases.c.id)
    ).scalar()
    return inserted


def _placed(
    tx: Tx,
    guild_id: int,
    purchase_id: int,
    entitlement_id: int,
    buyer_user_id: int,
    granted: PackGranted,
    *,
    actor_id: int,
    mark: bool,
) -> PurchaseRecorded:
    """Record the purchase placed as ``granted`` (``mark``: set its row placed too) and queue the
    buyer's DM."""
    if mark:
        tx.conn.execute(
            update(purchases)
            .where(purchases.c.id == purchase_id)
            .values(
                status=PurchaseStatus.PLACED.value,
                pack_id=granted.pack_id,
                placed_at=tx.now,
                placed_by=actor_id,
            )
        )
    placed = About(guild_id, granted.seat_id, granted.pack_id)
    body = texts.purchase_placed(
        granted.mentor_user_id, granted.sessions, granted.ends_at, granted.renewed_from_grace
    )
    ids = changes.record(
        tx,
        placed,
        "purchase_placed",
        actor_id=actor_id,
        owed=[
            dm(
                placed,
                NotificationKind.PURCHASE_PLACED,
                buyer_user_id,
                body,
                mentor=granted.mentor_user_id,
                subject=f"purchase:{purchase_id}",
            )
        ],
        purchase_id=purchase_id,
        entitlement_id=entitlement_id,
    )
    return PurchaseRecorded(
        purchase_id=purchase_id,
        entitlement_id=entitlement_id,
        guild_id=guild_id,
        buyer_user_id=buyer_user_id,
        status=PurchaseStatus.PLACED,
        pack=granted,
        notification_ids=ids,
    )


def _keep_unplaced(
    tx: Tx,
    entitlement_id: int,
    sku_id: int,
    buyer_user_id: int,
    guild_id: int | None,
    server_ids: Sequence[int],
) -> PurchaseRecorded | None:
    """No seat to go to: keep it in the server it was bought for, and tell the buyer and the admins.

    That server is the entitlement's own, else the one where the buyer last held a seat, else the
    first server the bot is in that sells the SKU."""
    if guild_id is not None:
        home = guild_id if _selling(tx, [guild_id], sku_id) else None
    else:
        earlier = tx.conn.execute(
            select(seats.c.guild_id).where(seats.c.student_id == buyer_user_id).order_by(seats.c.id.desc())
        ).scalars()
        home = next(iter(_selling(tx, earlier, sku_id)), None) or next(
            iter(_selling(tx, server_ids, sku_id)), None
        )
    if home is None:
        return None
    purchase_id = _claim(tx, entitlement_id, home, buyer_user_id, sku_id)
    if purchase_id is None:
        return _recorded(tx, entitlement_id)
    kept, subject = About(home), f"purchase:{purchase_id}"
    owed = [
        dm(
            kept,
            NotificationKind.PURCHASE_UNPLACED,
            buyer_user_id,
            texts.purchase_unplaced(purchase_id),
            subject=subject,
        )
    ]
    if tx.policy_for(home).fallback_channel_id is not None:
        note = texts.purchase_unplaced_admins(purchase_id, buyer_user_id)
        owed.append(dm(kept, NotificationKind.PURCHASE_UNPLACED_ADMINS, buyer_user_id, note, subject=subject))
    ids = changes.record(
        tx,
        kept,
        "purchase_unplaced",
        actor_id=buyer_user_id,
        owed=owed,
        purchase_id=purchase_id,
        entitlement_id=entitlement_id,
    )
    return PurchaseRecorded(
        purchase_id=purchase_id,
        entitlement_id=entitlement_id,
        guild_id=home,
        buyer_user_id=buyer_user_id,
        status=PurchaseStatus.UNPLACED,
        notification_ids=ids,
    )
