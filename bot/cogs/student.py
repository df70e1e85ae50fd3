"""Students: /mysessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import pages, render
from core import views

if TYPE_CHECKING:
    from bot.app import MentorBot


class StudentCog(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
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
