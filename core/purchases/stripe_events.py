"""Stripe's events as plain values (R23): what a verified webhook event says, read once here so the use
cases (``core.purchases.stripe``) take plain values.

Handled: ``checkout.session.completed`` and ``checkout.session.async_payment_succeeded`` (a
``Checkout``; a purchase only with ``payment_status`` ``paid``), and ``charge.refunded`` (a
``Refund``). Anything else is no concern of ours (None: answered 200 and ignored). A handled event
missing what it must carry (an id) is ``MalformedEvent`` (answered 400).

A Payment Link's metadata is copied to the checkout sessions it makes: ``sessions`` and
``valid_days`` there size the pack, within the bounds ``/pack grant`` accepts; a value missing or out
of bounds leaves the server's default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core import bounds as b

CHECKOUT_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
REFUND_EVENTS = frozenset({"charge.refunded"})
# How a Payment Link names its buyer: ``client_reference_id=<server id>_<user id>``.
REFERENCE = re.compile(r"(\d{1,20})_(\d{1,20})")


class MalformedEvent(ValueError):
    """A handled event type without what it must carry."""


@dataclass(frozen=True, slots=True)
class Checkout:
    """A completed checkout session: a purchase once ``paid``."""

    checkout_id: str
    paid: bool
    payment_intent: str | None = None
    client_reference_id: str | None = None
    email: str | None = None
    sessions: int | None = None
    valid_days: int | None = None

    def buyer_in(self, guild_id: int) -> int | None:
        """The buyer's Discord user id when the reference names one in server ``guild_id``; None for
        no reference, a malformed one, or one naming another server."""
        found = REFERENCE.fullmatch(self.client_reference_id or "")
        if found is None or int(found.group(1)) != guild_id:
            return None
        return int(found.group(2))


@dataclass(frozen=True, slots=True)
class Refund:
    """A charge refunded, in full or in part (``amount_refunded`` is the total refunded so far)."""

    charge_id: str
    payment_intent: str
    amount: int
    amount_refunded: int
    full: bool


def read_stripe_event(event: Mapping[str, Any]) -> Checkout | Refund | None:
    """What a verified event says, or None for an event type not handled."""
    kind = event.get("type")
    if kind not in CHECKOUT_EVENTS and kind not in REFUND_EVENTS:
        return None
    data = event.get("data")
    found = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(found, Mapping):
        raise MalformedEvent(f"a {kind} event without its object")
    if kind in CHECKOUT_EVENTS:
        return _checkout(found)
    return _refund(found)


def _checkout(session: Mapping[str, Any]) -> Checkout:
    checkout_id = _text(session.get("id"))
    if checkout_id is None:
        raise MalformedEvent("a checkout session without an id")
    details = session.get("customer_details")
    email = _text(details.get("email")) if isinstance(details, Mapping) else None
    metadata = session.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return Checkout(
        checkout_id=checkout_id,
        paid=session.get("payment_status") == "paid",
        payment_intent=_text(session.get("payment_intent")),
        client_reference_id=_text(session.get("client_reference_id")),
        email=email or _text(session.get("customer_email")),
        sessions=_within(metadata.get("sessions"), b.MIN_PACK_SESSIONS, b.MAX_PACK_SESSIONS),
        valid_days=_within(metadata.get("valid_days"), b.MIN_VALID_DAYS, b.MAX_VALID_DAYS),
    )


def _refund(charge: Mapping[str, Any]) -> Refund:
    charge_id, payment_intent = _text(charge.get("id")), _text(charge.get("payment_intent"))
    if charge_id is None or payment_intent is None:
        raise MalformedEvent("a refunded charge without its id or payment intent")
    amount, refunded = _amount(charge.get("amount")), _amount(charge.get("amount_refunded"))
    full = charge.get("refunded") is True or (amount > 0 and refunded >= amount)
    return Refund(charge_id, payment_intent, amount, refunded, full)


def _text(value: object) -> str | None:
    return value[:255] if isinstance(value, str) and value else None


def _amount(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _within(value: object, low: int, high: int) -> int | None:
    """A metadata number (Stripe keeps metadata as text) within [low, high], else None."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None
