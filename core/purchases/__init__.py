"""Purchases (R17 in Discord's shop, R23 through Stripe): the one path a bought pack is placed by, whatever sold it (``place``);
an entitlement recorded and placed, or kept unplaced (``record``); an admin placing an unplaced one
(``grant``); and the store's side, knowing nothing of Discord: take what was bought, consume it
after the grant commits (``shop``); Stripe's events read as plain values (``stripe_events``) and
the checkouts and refunds they bring (``stripe``)."""

from core.purchases.grant import grant_purchase, unplaced_purchases
from core.purchases.place import NotPlaced, Placement, place_purchase
from core.purchases.record import mark_consumed, record_purchase
from core.purchases.results import PurchaseRecorded, PurchaseView
from core.purchases.shop import Bought, Purchases, Shop, ShopError
from core.purchases.stripe import (
    REFUNDED_IN_STRIPE,
    StripeHandled,
    UnknownServer,
    take_checkout,
    take_refund,
    take_stripe_event,
    webhook_secret,
)
from core.purchases.stripe_events import Checkout, MalformedEvent, Refund, read_stripe_event

__all__ = [
    "REFUNDED_IN_STRIPE",
    "Bought",
    "Checkout",
    "MalformedEvent",
    "NotPlaced",
    "Placement",
    "PurchaseRecorded",
    "PurchaseView",
    "Purchases",
    "Refund",
    "Shop",
    "ShopError",
    "StripeHandled",
    "UnknownServer",
    "grant_purchase",
    "mark_consumed",
    "place_purchase",
    "read_stripe_event",
    "record_purchase",
    "take_checkout",
    "take_refund",
    "take_stripe_event",
    "unplaced_purchases",
    "webhook_secret",
]
