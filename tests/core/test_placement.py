"""The one placement path a seller other than Discord's shop (Stripe's checkout, R23) will call:
``place_purchase`` for (server, buyer), keyed by the seller's purchase key, with the seller's
sessions and validity or the server's defaults, else kept unplaced in that server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from core.domain import NotificationKind, PurchaseStatus
from core.purchases import NotPlaced, Placement, place_purchase
from core.schema import notifications, packs, purchases
from core.tx import Tx
from tests.conftest import GUILD, START, Program

BUYER = 20
CHECKOUT = 9_000_001  # what the seller calls the purchase (its row's key here)


def record_checkout(tx: Tx, server: int, buyer: int, key: int) -> int | None:
    """A seller's own purchase row, unplaced, once per key (None: recorded already)."""
    if tx.conn.execute(select(purchases.c.id).where(purchases.c.entitlement_id == key)).scalar() is not None:
        return None
    return int(
        tx.conn.execute(
            insert(purchases)
            .values(
                entitlement_id=key,
                guild_id=server,
                user_id=buyer,
                sku_id=0,
                status=PurchaseStatus.UNPLACED.value,
                created_at=tx.now,
            )
            .returning(purchases.c.id)
        ).scalar_one()
    )


def checkout(tx: Tx, sessions: int | None = None, days: int | None = None) -> Placement | NotPlaced:
    return place_purchase(
        tx,
        buyer_user_id=BUYER,
        purchase_key=f"stripe:{CHECKOUT}",
        record=lambda server: record_checkout(tx, server, BUYER, CHECKOUT),
        in_server=GUILD,
        sessions_count=sessions,
        valid_days=days,
        source={"checkout_id": CHECKOUT},
    )


async def test_a_checkout_places_its_pack_with_its_own_size_on_the_buyers_seat_once(program: Program) -> None:
    await program.mentor(10, seats=1)
    first = await program.grant(student=BUYER, mentor=10, sessions=1)

    placed = await program.service.write(checkout, 6, 30)
    again = await program.service.write(checkout, 6, 30)

    assert isinstance(placed, Placement)
    assert (placed.guild_id, placed.status) == (GUILD, PurchaseStatus.PLACED)
    assert placed.pack is not None
    assert (placed.pack.seat_id, placed.pack.sessions) == (first.seat_id, 6)
    assert placed.pack.ends_at == START + timedelta(days=30)
    assert again is NotPlaced.RECORDED_ALREADY
    assert len(await program.rows(select(packs.c.id))) == 2
    row = (await program.rows(select(purchases).where(purchases.c.id == placed.purchase_id)))[0]
    assert (row.status, row.pack_id) == ("placed", placed.pack.pack_id)
    told = await program.notifications(NotificationKind.PURCHASE_PLACED.value)
    assert [(dm.recipient_id, dm.key) for dm in told] == [
        (BUYER, f"purchase_placed:purchase:{placed.purchase_id}")
    ]


async def test_a_checkout_with_no_seat_to_go_to_is_kept_unplaced_in_its_server(program: Program) -> None:
    await program.mentor(10, seats=1)

    kept = await program.service.write(checkout)

    assert isinstance(kept, Placement)
    assert (kept.guild_id, kept.status, kept.pack) == (GUILD, PurchaseStatus.UNPLACED, None)
    assert (await program.rows(select(func.count()).select_from(packs)))[0][0] == 0
    told = await program.rows(select(notifications.c.kind, notifications.c.recipient_id))
    # The buyer is told, and the admins (the sender posts it in the fallback channel, else DMs the owner).
    assert [(dm.kind, dm.recipient_id) for dm in told] == [
        (NotificationKind.PURCHASE_UNPLACED.value, BUYER),
        (NotificationKind.PURCHASE_UNPLACED_ADMINS.value, BUYER),
    ]
