"""Mentors (and admins): /roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.kit import pages
from bot.kit.interaction import actor, guild_id
from core import views

if TYPE_CHECKING:
    from bot.kit.host import Host


class MentorCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="roster")
    @app_commands.guild_only()
    @app_commands.describe(mentor="An admin: whose roster to see (default: your own)")
    async def roster(self, interaction: discord.Interaction, mentor: discord.Member | None = None) -> None:
        """Your students (an admin: any mentor's): status, sessions left, next session, grace deadline."""
        result = await self.bot.run_view(
            interaction,
            views.roster_of,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id if mentor is not None else None,
        )
        if result is None:
            return
        other = mentor is not None and mentor.id != interaction.user.id
        await pages.show(
            interaction, render.roster_of(result, mentor.display_name if other and mentor else None)
        )
