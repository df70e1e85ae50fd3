"""Purchases (R17, later R23): the one path a bought pack is placed by, whatever sold it (``place``);
an entitlement recorded and placed, or kept unplaced (``record``); an admin placing an unplaced one
(``grant``); and the store's side, knowing nothing of Discord: take what was bought, consume it
after the grant commits (``shop``)."""

from core.purchases.grant import grant_purchase, unplaced_purchases
from core.purchases.place import NotPlaced, Placement, place_purchase
from core.purchases.record import mark_consumed, record_purchase
from core.purchases.results import PurchaseRecorded, PurchaseView
from core.purchases.shop import Bought, Purchases, Shop, ShopError

__all__ = [
    "Bought",
    "NotPlaced",
    "Placement",
    "PurchaseRecorded",
    "PurchaseView",
    "Purchases",
    "Shop",
    "ShopError",
    "grant_purchase",
    "mark_consumed",
    "place_purchase",
    "record_purchase",
    "unplaced_purchases",
]
