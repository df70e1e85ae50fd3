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
        """Your seats and packs: sessions left, end dates, grace deadline, booked sessions."""
        seats = await self.bot.run_view(
            interaction, views.my_seats, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        if seats is None:
            return
        names = {
            seat.guild_id: guild.name
            for seat in seats
            if (guild := self.bot.get_guild(seat.guild_id)) is not None
        }
        # Name the server only when the list spans servers (from a DM).
        await pages.show(
            interaction, render.my_sessions(seats, names if interaction.guild_id is None else None)
        )
