"""Students: /mysessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.kit import pages
from bot.kit.delivery import renewal_item
from core import views
from core.server_settings import policy_of

if TYPE_CHECKING:
    from bot.kit.host import Host


class StudentCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="mysessions")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def my_sessions(self, interaction: discord.Interaction) -> None:
        """Your seats and packs: sessions left, end dates, grace deadline, booked sessions, lately released."""
        mine = await self.bot.run_view(
            interaction, views.my_sessions, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        if mine is None:
            return
        servers = {seat.guild_id for seat in mine.seats} | {seat.guild_id for seat in mine.closed}
        names = {
            server: guild.name for server in servers if (guild := self.bot.get_guild(server)) is not None
        }
        # Name the server in the headings only when the list spans servers (from a DM).
        await pages.show(
            interaction,
            render.my_sessions_overview(mine, names if interaction.guild_id is None else None, servers=names),
        )
        await self._offer_renewal(interaction, sorted(servers))

    async def _offer_renewal(self, interaction: discord.Interaction, seat_servers: list[int]) -> None:
        """R17: the way to renew under the list, as each server set it (premium button, else link)."""
        servers = [interaction.guild_id] if interaction.guild_id is not None else seat_servers
        view = discord.ui.View(timeout=None)
        seen: set[object] = set()
        for server in servers:
            item = renewal_item(await self.bot.service.read(policy_of, server))
            key = item and (item.sku_id or item.url)
            if item is None or key in seen or len(view.children) >= 5:
                continue
            seen.add(key)
            view.add_item(item)
        if view.children:
            await interaction.followup.send("Renew here:", view=view, ephemeral=True)
