"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.purchases.grant import grant_purchase, unplaced_purchases
from core.purchases.record import mark_consumed, record_purchase

__all__ = ["grant_purchase", "mark_consumed", "record_purchase", "unplaced_purchases"]
