"""The one path a bought pack is placed by, whatever sold it (R17 Discord's shop, R23 Stripe): on the
buyer's most urgent seat (``core.seats.placement.buyers_seat``) as a grant (``core.packs.grant``),
else kept unplaced in its server until an admin places it; the buyer is told either way, and the
admins of an unplaced one.

The seller records its purchase row itself (``record``: keyed by what it calls the purchase, so the
same purchase seen twice is recorded once), in the server this path chose, in the same transaction.
A Stripe checkout (R23) would call::

    place_purchase(
        tx,
        buyer_user_id=buyer,
        purchase_key=f"stripe:{checkout_id}",
        record=lambda server: record_checkout(tx, server, buyer, checkout_id),
        in_server=server_id,
        source={"checkout_id": checkout_id},
    )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from sqlalchemy import update

from core import changes, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, PurchaseStatus
from core.errors import NoFreeSeat
from core.locks import lock_seats_of_student
from core.packs.grant import grant_pack
from core.packs.results import PackGranted
from core.schema import purchases
from core.seats.placement import buyers_seat
from core.tx import PICK_ATTEMPTS, Tx


class NotPlaced(Enum):
    """Why ``place_purchase`` recorded nothing."""

    NOWHERE = "no seat takes it and there is no server to keep it in"
    RECORDED_ALREADY = "another transaction recorded the same purchase just now"


@dataclass(frozen=True, slots=True)
class Placement:
    """What a purchase came to: placed as ``pack``, or kept unplaced, in server ``guild_id``."""

    purchase_id: int
    guild_id: int
    status: PurchaseStatus
    pack: PackGranted | None = None
    notification_ids: tuple[int, ...] = ()


def _every_server(guild_id: int) -> bool:
    return True


_NOTHING: Mapping[str, object] = MappingProxyType({})


def place_purchase(
    tx: Tx,
    *,
    buyer_user_id: int,
    purchase_key: str,
    record: Callable[[int], int | None],
    in_server: int | None = None,
    sells: Callable[[int], bool] = _every_server,
    home: Callable[[], int | None] | None = None,
    sessions_count: int | None = None,
    valid_days: int | None = None,
    source: Mapping[str, object] = _NOTHING,
) -> Placement | NotPlaced:
    """Place a pack ``buyer_user_id`` bought: ``sessions_count`` sessions valid ``valid_days`` days (the
    server's defaults when None), granted under ``purchase_key`` (the same key grants once), on their
    most urgent seat in ``in_server`` (any server when None) among the servers that ``sells`` it.

    ``record(server)`` inserts the seller's purchase row, unplaced, and returns its id (None: it was
    recorded already). With no seat to go to, the purchase is kept unplaced in ``home()`` (default
    ``in_server``); the buyer is told, and the admins in the fallback channel. ``source`` is what the
    seller calls it, for history (e.g. ``{"entitlement_id": …}``).

    The buyer's seats are taken first (``core.locks``): a sweep releasing the seat in grace either
    finishes first (then that seat is no target, and the purchase goes elsewhere or is kept unplaced)
    or waits for the grant that renews it; the pack never reserves a second seat in between."""
    lock_seats_of_student(tx, buyer_user_id, guild_id=in_server)
    for _ in range(PICK_ATTEMPTS):
        target = buyers_seat(tx, buyer_user_id, in_server=in_server, sells=sells)
        if target is None:
            server = home() if home is not None else in_server
            return NotPlaced.NOWHERE if server is None else _keep(tx, server, buyer_user_id, record, source)
        purchase_id = record(target.guild_id)
        if purchase_id is None:
            return NotPlaced.RECORDED_ALREADY
        try:  # an offered seat is taken by the grant (R19), as an admin's grant takes it
            granted = grant_pack(
                tx,
                guild_id=target.guild_id,
                # The buyer did it (R13); a purchase is the payment an admin's grant stands for.
                actor=Actor(buyer_user_id, is_admin=True),
                student_user_id=buyer_user_id,
                student_name=target.student_name,
                mentor_user_id=target.mentor_user_id,
                sessions_count=sessions_count,
                valid_days=valid_days,
                request_key=purchase_key,
            )
        except NoFreeSeat:
            # PostgreSQL: the seat was released between the pick and the grant; pick again.
            tx.conn.execute(purchases.delete().where(purchases.c.id == purchase_id))
            continue
        _mark_placed(tx, purchase_id, granted, buyer_user_id)
        ids = tell_placed(
            tx, target.guild_id, purchase_id, buyer_user_id, granted, actor_id=buyer_user_id, source=source
        )
        return Placement(purchase_id, target.guild_id, PurchaseStatus.PLACED, granted, ids)
    raise RuntimeError("could not settle the seat for a purchase after several attempts")


def _mark_placed(tx: Tx, purchase_id: int, granted: PackGranted, buyer_user_id: int) -> None:
    tx.conn.execute(
        update(purchases)
        .where(purchases.c.id == purchase_id)
        .values(
            status=PurchaseStatus.PLACED.value,
            pack_id=granted.pack_id,
            placed_at=tx.now,
            placed_by=buyer_user_id,
        )
    )


def tell_placed(
    tx: Tx,
    guild_id: int,
    purchase_id: int,
    buyer_user_id: int,
    granted: PackGranted,
    *,
    actor_id: int,
    source: Mapping[str, object],
) -> tuple[int, ...]:
    """Record purchase ``purchase_id`` placed as ``granted`` in server ``guild_id`` and queue the buyer's
    DM; its id."""
    placed = About(guild_id, granted.seat_id, granted.pack_id)
    body = texts.purchase_placed(
        granted.mentor_user_id, granted.sessions, granted.ends_at, granted.renewed_from_grace
    )
    return changes.record(
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
        **source,
    )


def _keep(
    tx: Tx,
    guild_id: int,
    buyer_user_id: int,
    record: Callable[[int], int | None],
    source: Mapping[str, object],
) -> Placement | NotPlaced:
    """No seat to go to: keep the purchase unplaced in server ``guild_id``, and tell the buyer and the
    admins (in the fallback channel, else the server's owner by DM)."""
    purchase_id = record(guild_id)
    if purchase_id is None:
        return NotPlaced.RECORDED_ALREADY
    kept, subject = About(guild_id), f"purchase:{purchase_id}"
    owed = [
        dm(
            kept,
            NotificationKind.PURCHASE_UNPLACED,
            buyer_user_id,
            texts.purchase_unplaced(purchase_id),
            subject=subject,
        )
    ]
    # The admins are told: in the fallback channel, else the server's owner by DM (the sender routes it).
    note = texts.purchase_unplaced_admins(purchase_id, buyer_user_id)
    owed.append(dm(kept, NotificationKind.PURCHASE_UNPLACED_ADMINS, buyer_user_id, note, subject=subject))
    ids = changes.record(
        tx, kept, "purchase_unplaced", actor_id=buyer_user_id, owed=owed, purchase_id=purchase_id, **source
    )
    return Placement(purchase_id, guild_id, PurchaseStatus.UNPLACED, notification_ids=ids)
