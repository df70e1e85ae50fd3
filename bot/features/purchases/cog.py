"""The ``ENTITLEMENT_CREATE`` listener (R17): a purchase made in Discord, handed to core to place."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.features.purchases.shop import bought
from bot.kit.host import Host


class PurchasesCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_entitlement_create(self, entitlement: discord.Entitlement) -> None:
        item = bought(entitlement)
        if item is None or self.bot.runtime.purchases is None:
            return
        await self.bot.runtime.purchases.take(item)
