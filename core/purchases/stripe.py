"""Purchases through Stripe (R23): a paid checkout placed as a pack, a refund taking it back.

``take_checkout``: a paid checkout session is recorded in ``purchases`` keyed by its id (``ON
CONFLICT DO NOTHING``, first thing in the transaction), then placed through
``core.purchases.place.place_purchase`` — the same path as a purchase in Discord's shop — on the
buyer's seat in this server, sized by the Payment Link's metadata or the server's defaults. So the
same event delivered twice, retried after a crash, or handled by two processes at once grants one
pack: the second transaction finds the row (or waits for the first to commit and then finds it).
A payment that names no member of this server (``client_reference_id`` missing, malformed or
another server's) is kept unplaced with the buyer's email, and the admins are told.

``take_refund``: a ``charge.refunded`` is kept in ``stripe_refunds`` (keyed by the charge, so a
repeat changes nothing); when its purchase is known, a full refund revokes the pack as ``/pack
revoke`` does (reason "refunded in Stripe"), a partial one tells the admins. A refund that arrives
before its checkout waits there and is applied by the checkout's ``take_checkout``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select, update

from core import changes
from core.changes import About, dm
from core.domain import Actor, NotificationKind, PurchaseStatus
from core.packs.revoke import revoke_pack
from core.purchases.place import NotPlaced, place_purchase
from core.purchases.stripe_events import Checkout, Refund
from core.schema import mentors, purchases, server_settings, stripe_refunds
from core.texts import mention
from core.tx import Tx

REFUNDED_IN_STRIPE = "refunded in Stripe"
# The recipient of a note for the admins about a payment that names no member (never DMed).
NOBODY = 0

# What a webhook came to (``bot.web.metrics.WEBHOOK_OUTCOMES`` counts them).
PLACED, UNPLACED, REFUNDED, DUPLICATE, IGNORED = "placed", "unplaced", "refunded", "duplicate", "ignored"


@dataclass(frozen=True, slots=True)
class StripeHandled:
    """What one Stripe event came to: ``outcome`` (one of the names above), the purchase it is about,
    the pack placed, and the DMs it queued."""

    outcome: str
    purchase_id: int | None = None
    pack_id: int | None = None
    notification_ids: tuple[int, ...] = ()


def purchase_key(checkout_id: str) -> str:
    """The grant's request key for a checkout: ``stripe:`` and a digest of its id (a session id, ~66
    characters, does not fit the 64 of a request key as it is)."""
    return f"stripe:{hashlib.sha256(checkout_id.encode()).hexdigest()[:57]}"


def webhook_secret(tx: Tx, *, guild_id: int) -> str | None:
    """The server's webhook signing secret, when the server is one the database knows (a mentor
    registered or a setting made there) and a secret is set for it; None otherwise."""
    known = tx.conn.execute(
        select(
            or_(
                exists().where(mentors.c.guild_id == guild_id),
                exists().where(server_settings.c.guild_id == guild_id),
            )
        )
    ).scalar()
    return tx.policy_for(guild_id).stripe_webhook_secret if known else None


class UnknownServer(Exception):
    """The webhook names a server the database does not know, or one with no webhook secret set."""


def take_stripe_event(
    tx: Tx, *, guild_id: int, open_event: Callable[[str], Checkout | Refund | None]
) -> StripeHandled:
    """R23: one webhook request for server ``guild_id``, in one transaction. ``open_event(secret)``
    checks the request's signature with the server's secret and reads what the event says (None: not
    an event handled here); it raises when the request is not believed, before anything is written.
    ``UnknownServer`` when there is no secret to check it with."""
    secret = webhook_secret(tx, guild_id=guild_id)
    if secret is None:
        raise UnknownServer(guild_id)
    said = open_event(secret)
    if said is None:
        return StripeHandled(IGNORED)
    if isinstance(said, Checkout):
        return take_checkout(tx, guild_id=guild_id, checkout=said)
    return take_refund(tx, guild_id=guild_id, refund=said)


def take_checkout(tx: Tx, *, guild_id: int, checkout: Checkout) -> StripeHandled:
    """R23: a completed checkout in server ``guild_id``: placed or kept unplaced, once."""
    if not checkout.paid:
        return StripeHandled(IGNORED)  # e.g. a delayed method: its async_payment_succeeded follows
    buyer = checkout.buyer_in(guild_id)
    purchase_id = _claim(tx, guild_id, buyer, checkout)
    claimed = [] if purchase_id is None else [purchase_id]
    if purchase_id is None:
        seen = tx.conn.execute(
            select(purchases.c.id, purchases.c.pack_id).where(purchases.c.checkout_id == checkout.checkout_id)
        ).one()
        return StripeHandled(DUPLICATE, seen.id, seen.pack_id)
    if buyer is None:
        ids = _tell_admins_of_stranger(tx, guild_id, purchase_id, checkout)
        return StripeHandled(
            UNPLACED, purchase_id, notification_ids=ids + _waiting_refunds(tx, guild_id, checkout)
        )
    placement = place_purchase(
        tx,
        buyer_user_id=buyer,
        purchase_key=purchase_key(checkout.checkout_id),
        # The row claimed above; anew should a retry of the placement have removed it.
        record=lambda server: claimed.pop() if claimed else _claim(tx, server, buyer, checkout),
        in_server=guild_id,
        sells=lambda server: server == guild_id,
        home=lambda: guild_id,
        sessions_count=checkout.sessions,
        valid_days=checkout.valid_days,
        source={"checkout_id": checkout.checkout_id},
    )
    assert not isinstance(placement, NotPlaced)  # kept in this server when no seat takes it
    ids = placement.notification_ids + _waiting_refunds(tx, guild_id, checkout)
    pack_id = placement.pack.pack_id if placement.pack is not None else None
    outcome = PLACED if placement.status is PurchaseStatus.PLACED else UNPLACED
    return StripeHandled(outcome, placement.purchase_id, pack_id, ids)


def take_refund(tx: Tx, *, guild_id: int, refund: Refund) -> StripeHandled:
    """R23: a refunded charge in server ``guild_id``: applied to its purchase, or kept until the
    checkout arrives. The same refund seen again changes nothing."""
    insert = tx.upsert(stripe_refunds).values(
        charge_id=refund.charge_id,
        guild_id=guild_id,
        payment_intent=refund.payment_intent,
        amount=refund.amount,
        amount_refunded=refund.amount_refunded,
        full=refund.full,
        received_at=tx.now,
        applied_at=None,
    )
    changed = tx.conn.execute(
        insert.on_conflict_do_update(
            index_elements=["charge_id"],
            set_={
                "amount_refunded": insert.excluded.amount_refunded,
                "full": insert.excluded.full,
                "applied_at": None,
            },
            # A later, larger refund of the same charge is news; the same one again is not.
            where=stripe_refunds.c.amount_refunded < insert.excluded.amount_refunded,
        ).returning(stripe_refunds.c.charge_id)
    ).first()
    if changed is None:
        return StripeHandled(DUPLICATE)
    bought = _purchase_paid_by(tx, guild_id, refund.payment_intent)
    if bought is None:
        return StripeHandled(REFUNDED)  # kept: applied when its checkout arrives
    return StripeHandled(REFUNDED, bought.id, bought.pack_id, _apply(tx, guild_id, bought, refund))


# ---- steps -------------------------------------------------------------------------------------------


def _claim(tx: Tx, guild_id: int, buyer: int | None, checkout: Checkout) -> int | None:
    """Insert the checkout's purchase row (unplaced); None when it exists."""
    inserted: int | None = tx.conn.execute(
        tx.upsert(purchases)
        .values(
            checkout_id=checkout.checkout_id,
            payment_intent=checkout.payment_intent,
            email=checkout.email,
            guild_id=guild_id,
            user_id=buyer,
            status=PurchaseStatus.UNPLACED.value,
            created_at=tx.now,
        )
        .on_conflict_do_nothing(index_elements=["checkout_id"])
        .returning(purchases.c.id)
    ).scalar()
    return inserted


def _tell_admins_of_stranger(tx: Tx, guild_id: int, purchase_id: int, checkout: Checkout) -> tuple[int, ...]:
    """A payment naming no member of this server: kept unplaced; the admins are told who paid."""
    kept = About(guild_id)
    who = checkout.email or "someone with no email on record"
    note = (
        f"{who} paid through Stripe (purchase #{purchase_id}), but the payment names no member of this "
        f"server, so it is kept unplaced. Find the buyer and place it with /pack grant student:… "
        f"mentor:… purchase:#{purchase_id}."
    )
    owed = [
        dm(kept, NotificationKind.PURCHASE_UNPLACED_ADMINS, NOBODY, note, subject=f"purchase:{purchase_id}")
    ]
    return changes.record(
        tx,
        kept,
        "purchase_unplaced",
        actor_id=None,
        owed=owed,
        purchase_id=purchase_id,
        checkout_id=checkout.checkout_id,
    )


def _purchase_paid_by(tx: Tx, guild_id: int, payment_intent: str) -> Any:
    return tx.conn.execute(
        select(purchases.c.id, purchases.c.user_id, purchases.c.status, purchases.c.pack_id).where(
            purchases.c.payment_intent == payment_intent, purchases.c.guild_id == guild_id
        )
    ).first()


def _waiting_refunds(tx: Tx, guild_id: int, checkout: Checkout) -> tuple[int, ...]:
    """Refunds of this checkout's payment that came before it, applied now."""
    if checkout.payment_intent is None:
        return ()
    waiting = tx.conn.execute(
        select(stripe_refunds).where(
            stripe_refunds.c.payment_intent == checkout.payment_intent,
            stripe_refunds.c.guild_id == guild_id,
            stripe_refunds.c.applied_at.is_(None),
        )
    ).all()
    if not waiting:
        return ()
    bought = _purchase_paid_by(tx, guild_id, checkout.payment_intent)
    ids: tuple[int, ...] = ()
    for row in waiting:
        refund = Refund(row.charge_id, row.payment_intent, row.amount, row.amount_refunded, row.full)
        ids += _apply(tx, guild_id, bought, refund)
    return ids


def _apply(tx: Tx, guild_id: int, bought: Any, refund: Refund) -> tuple[int, ...]:
    """Apply ``refund`` to purchase ``bought``: in full, its pack is revoked (or, unplaced, it is no
    longer offered to place); in part, the admins are told."""
    tx.conn.execute(
        update(stripe_refunds).where(stripe_refunds.c.charge_id == refund.charge_id).values(applied_at=tx.now)
    )
    if not refund.full:
        return _tell_admins_of_partial(tx, guild_id, bought, refund)
    if bought.status == PurchaseStatus.REFUNDED.value:
        return ()
    tx.conn.execute(
        update(purchases).where(purchases.c.id == bought.id).values(status=PurchaseStatus.REFUNDED.value)
    )
    if bought.pack_id is None:
        changes.record(tx, About(guild_id), "purchase_refunded", actor_id=None, purchase_id=bought.id)
        return ()
    revoked = revoke_pack(
        tx,
        guild_id=guild_id,
        actor=Actor(bought.user_id or NOBODY, is_admin=True),  # the seller refunded it in Stripe
        pack_id=bought.pack_id,
        reason=REFUNDED_IN_STRIPE,
    )
    return revoked.notification_ids


def _tell_admins_of_partial(tx: Tx, guild_id: int, bought: Any, refund: Refund) -> tuple[int, ...]:
    about = About(guild_id)
    who = mention(bought.user_id) if bought.user_id else "a buyer"
    note = (
        f"Stripe refunded part of purchase #{bought.id} by {who} ({_money(refund.amount_refunded)} of "
        f"{_money(refund.amount)}). Its pack stays as it is: change it with /pack extend or /pack revoke "
        "if the refund means to."
    )
    owed = [
        dm(
            about,
            NotificationKind.STRIPE_REFUND_ADMINS,
            bought.user_id or NOBODY,
            note,
            subject=f"refund:{refund.charge_id}:{refund.amount_refunded}",
        )
    ]
    return changes.record(
        tx,
        about,
        "purchase_partly_refunded",
        actor_id=None,
        owed=owed,
        purchase_id=bought.id,
        charge_id=refund.charge_id,
        amount_refunded=refund.amount_refunded,
    )


def _money(cents: int) -> str:
    """An amount in the currency's smallest unit, written in its main unit (Stripe sends cents)."""
    return f"{cents / 100:.2f}"
