"""Discord's entitlements API as the store ``core.purchases.shop`` reads and consumes from (R17).

A purchase is placed by core (``core.purchases.Purchases``); this module only turns Discord's entitlements
into ``Bought`` values and back into a consume call.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
import discord

from core.purchases import Bought, ShopError

ALREADY_CONSUMED = 40022  # Discord: "Entitlement already consumed"


def bought(entitlement: discord.Entitlement) -> Bought | None:
    """The entitlement as core sees it; None for one with no buyer (a server's own subscription)."""
    if entitlement.user_id is None:
        return None
    return Bought(entitlement.id, entitlement.sku_id, entitlement.user_id, entitlement.guild_id)


class DiscordShop:
    """Discord's entitlements of this application: listed unconsumed, consumed once placed."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def unconsumed(self) -> Sequence[Bought]:
        try:
            listed = [
                entitlement
                async for entitlement in self.bot.entitlements(limit=None, exclude_ended=True)
                if not entitlement.consumed
            ]
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as error:
            raise ShopError(f"listing entitlements: {error}") from error
        # Oldest first: purchases are placed in the order they were made.
        return [item for entitlement in sorted(listed, key=lambda e: e.id) if (item := bought(entitlement))]

    async def consume(self, entitlement_id: int) -> None:
        if self.bot.application_id is None:
            raise ShopError("the application id is not known yet")
        try:
            await self.bot.http.consume_entitlement(self.bot.application_id, entitlement_id)
        except discord.HTTPException as error:
            if error.code == ALREADY_CONSUMED:
                return  # another process (or a run cut off before recording it) did
            raise ShopError(f"{error.status} {error.code}: {error.text}") from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise ShopError(f"network: {error}") from error

    def server_ids(self) -> Sequence[int]:
        return [guild.id for guild in self.bot.guilds]
