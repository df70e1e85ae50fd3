"""Purchases (R17): an entitlement recorded and placed as a pack on the buyer's seat, or kept unplaced
(``record``); an admin placing an unplaced one (``grant``); and the store's side, knowing nothing of
Discord: take what was bought, consume it after the grant commits (``shop``)."""

from core.purchases.grant import grant_purchase, unplaced_purchases
from core.purchases.record import mark_consumed, record_purchase
from core.purchases.results import PurchaseRecorded, PurchaseView
from core.purchases.shop import Bought, Purchases, Shop, ShopError

__all__ = [
    "Bought",
    "PurchaseRecorded",
    "PurchaseView",
    "Purchases",
    "Shop",
    "ShopError",
    "grant_purchase",
    "mark_consumed",
    "record_purchase",
    "unplaced_purchases",
]
