"""Purchases bought in Discord's shop (R17): an entitlement for a server's renewal SKU, placed as a
pack on the buyer's seat, or kept unplaced until an admin names it in ``/pack grant … purchase:``
(through ``core.purchases.place``, the path every seller's purchase takes).

A purchase is keyed by its entitlement id (``purchases.entitlement_id`` is unique and inserted with
``ON CONFLICT DO NOTHING``), and placed in the transaction that records it, so the same entitlement
delivered twice, read again by a sweep, retried after a crash or seen by two processes grants one
pack. Consuming the entitlement at Discord happens after that commit (``core.purchases.shop``);
``mark_consumed`` records that it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update

from core.domain import PurchaseStatus
from core.purchases.place import NotPlaced, place_purchase
from core.purchases.results import PurchaseRecorded
from core.schema import purchases, seats
from core.tx import Tx


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
    placement = place_purchase(
        tx,
        buyer_user_id=buyer_user_id,
        purchase_key=f"purchase:{entitlement_id}",
        record=lambda server: _claim(tx, entitlement_id, server, buyer_user_id, sku_id),
        in_server=guild_id,
        sells=lambda server: bool(_selling(tx, [server], sku_id)),
        home=lambda: _home(tx, sku_id, buyer_user_id, guild_id, server_ids),
        source={"entitlement_id": entitlement_id},
    )
    if placement is NotPlaced.NOWHERE:
        return None
    if placement is NotPlaced.RECORDED_ALREADY:
        return _recorded(tx, entitlement_id)  # another process recorded it just now
    return PurchaseRecorded(
        purchase_id=placement.purchase_id,
        entitlement_id=entitlement_id,
        guild_id=placement.guild_id,
        buyer_user_id=buyer_user_id,
        status=placement.status,
        pack=placement.pack,
        notification_ids=placement.notification_ids,
    )


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


def _home(
    tx: Tx, sku_id: int, buyer_user_id: int, guild_id: int | None, server_ids: Sequence[int]
) -> int | None:
    """The server an unplaced purchase is kept in: the entitlement's own, else the one where the buyer
    last held a seat, else the first server the bot is in that sells the SKU."""
    if guild_id is not None:
        return guild_id if _selling(tx, [guild_id], sku_id) else None
    earlier = tx.conn.execute(
        select(seats.c.guild_id).where(seats.c.student_id == buyer_user_id).order_by(seats.c.id.desc())
    ).scalars()
    return next(iter(_selling(tx, earlier, sku_id)), None) or next(
        iter(_selling(tx, server_ids, sku_id)), None
    )
