"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.purchases.shop import Bought, Purchases, Shop, ShopError

__all__ = ["Bought", "Purchases", "Shop", "ShopError"]
