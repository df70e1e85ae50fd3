"""Purchases inside Discord (R17): the entitlement listener, and Discord's entitlements as the store
core places purchases from (``DiscordShop``), wired into the runtime here; and purchases through
Stripe (R23): the webhook route ``POST /stripe/<server id>``, added to the web door.

The bot loads the features before it reads the purchases made while it was down (``setup_hook``), so
the store is in place for that first read and for every sweep after it.
"""

from __future__ import annotations

from bot.features.purchases.cog import PurchasesCog
from bot.features.purchases.shop import DiscordShop
from bot.kit.host import Host
from bot.web import stripe_routes
from core.purchases import Purchases


async def setup(bot: Host) -> None:
    bot.runtime.purchases = Purchases(bot.service, DiscordShop(bot), bot.runtime.deliver_caused)
    if bot.web is not None:
        bot.web.add_routes(stripe_routes(bot.service, bot.metrics, bot.runtime.deliver_caused))
    await bot.add_cog(PurchasesCog(bot))
