"""``/pack grant … purchase:``: an admin places an unplaced purchase as a pack with a mentor (R2, R17,
R23: one bought in Discord's shop or through Stripe); and the unplaced purchases that option offers."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select, update

from core.domain import Actor, PurchaseStatus, require_admin
from core.errors import InvalidInput, NotFound, Refusal
from core.packs.grant import grant_pack
from core.packs.results import PackGranted
from core.purchases.place import tell_placed
from core.purchases.results import PurchaseView
from core.schema import packs, purchases
from core.texts import mention
from core.tx import Tx


def grant_purchase(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    purchase_id: int,
    student_user_id: int,
    student_name: str,
    mentor_user_id: int,
    sessions_count: int | None = None,
    valid_days: int | None = None,
    request_key: str | None = None,
) -> PackGranted:
    """``/pack grant … purchase:``: place an unplaced purchase as a pack with a mentor (R2, R17)."""
    require_admin(actor, "grant packs")
    _refuse_unless_unplaced(tx, guild_id, purchase_id, student_user_id, request_key)
    granted = grant_pack(
        tx,
        guild_id=guild_id,
        actor=actor,
        student_user_id=student_user_id,
        student_name=student_name,
        mentor_user_id=mentor_user_id,
        sessions_count=sessions_count,
        valid_days=valid_days,
        request_key=request_key,
    )
    if granted.already_granted:
        return granted
    taken = tx.conn.execute(
        update(purchases)
        .where(purchases.c.id == purchase_id, purchases.c.status == PurchaseStatus.UNPLACED.value)
        .values(
            status=PurchaseStatus.PLACED.value,
            pack_id=granted.pack_id,
            placed_at=tx.now,
            placed_by=actor.user_id,
        )
    ).rowcount
    if not taken:
        # Placed by someone else since it was read: this transaction (with its grant) is rolled back.
        raise Refusal(f"Purchase #{purchase_id} was placed just now by someone else; nothing changed.")
    keys = tx.conn.execute(
        update(purchases)
        .where(purchases.c.id == purchase_id)
        .values(user_id=student_user_id)  # a Stripe payment that named no member: the admin named them
        .returning(purchases.c.entitlement_id, purchases.c.checkout_id)
    ).one()
    source = (
        {"checkout_id": keys.checkout_id} if keys.checkout_id else {"entitlement_id": keys.entitlement_id}
    )
    ids = tell_placed(
        tx, guild_id, purchase_id, student_user_id, granted, actor_id=actor.user_id, source=source
    )
    return dataclasses.replace(granted, notification_ids=ids, purchase_id=purchase_id)


def _refuse_unless_unplaced(
    tx: Tx, guild_id: int, purchase_id: int, student_user_id: int, request_key: str | None
) -> None:
    """Purchase ``purchase_id`` is this server's, still unplaced (or placed by this very request), and
    the student's own."""
    row = tx.conn.execute(
        select(purchases.c.id, purchases.c.user_id, purchases.c.status, packs.c.request_key)
        .outerjoin(packs, packs.c.id == purchases.c.pack_id)
        .where(purchases.c.id == purchase_id, purchases.c.guild_id == guild_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no purchase #{purchase_id} in this server; pick one from the list.")
    repeated = request_key is not None and row.request_key == request_key
    if row.status == PurchaseStatus.PLACED.value and not repeated:
        raise InvalidInput(f"Purchase #{purchase_id} is already placed; pick one that is still unplaced.")
    if row.status == PurchaseStatus.REFUNDED.value:
        raise InvalidInput(
            f"Purchase #{purchase_id} was refunded in Stripe; pick one that is still unplaced."
        )
    if row.user_id is not None and row.user_id != student_user_id:
        raise InvalidInput(
            f"Purchase #{purchase_id} was bought by {mention(row.user_id)}; grant it to them, "
            "or pick another purchase."
        )


def unplaced_purchases(tx: Tx, *, guild_id: int, actor: Actor, limit: int = 25) -> tuple[PurchaseView, ...]:
    """The server's unplaced purchases, oldest first (what ``/pack grant``'s ``purchase`` offers).
    Nothing for anyone but an admin."""
    if not actor.is_admin:
        return ()
    rows = tx.conn.execute(
        select(purchases.c.id, purchases.c.user_id, purchases.c.created_at, purchases.c.email)
        .where(purchases.c.guild_id == guild_id, purchases.c.status == PurchaseStatus.UNPLACED.value)
        .order_by(purchases.c.id)
        .limit(limit)
    )
    return tuple(PurchaseView(row.id, row.user_id, row.created_at, row.email) for row in rows)
