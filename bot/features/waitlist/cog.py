"""The waitlist commands (R19): /waitlist join, /waitlist leave, /waitlist show."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.waitlist import replies
from bot.kit import pages
from bot.kit.host import Host
from bot.kit.interaction import actor, guild_id
from core.waitlist import join_waitlist, leave_waitlist, waitlist_places


@app_commands.guild_only()
class WaitlistCog(commands.GroupCog, group_name="waitlist"):
    """Wait in line for a seat with a mentor whose seats are all taken."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="join")
    @app_commands.guild_only()
    @app_commands.describe(mentor="The mentor whose seats are all taken")
    async def join(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Take a place in a mentor's line; you get an offer when a seat frees up."""
        await self.bot.run_command(
            interaction,
            join_waitlist,
            replies.joined,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
            student_name=interaction.user.display_name,
        )

    @app_commands.command(name="leave")
    @app_commands.guild_only()
    @app_commands.describe(mentor="The mentor whose line you leave")
    async def leave(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Give up your place in a mentor's line (and a seat held for you)."""
        await self.bot.run_command(
            interaction,
            leave_waitlist,
            replies.left,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
        )

    @app_commands.command(name="show")
    @app_commands.guild_only()
    @app_commands.describe(mentor="Whose line (a mentor: yours; an admin: anyone's)")
    async def show(self, interaction: discord.Interaction, mentor: discord.Member | None = None) -> None:
        """Your places in line; a mentor sees their line, an admin any line."""
        await pages.answer(interaction, self.places_listing, None if mentor is None else mentor.id)

    async def places_listing(self, interaction: discord.Interaction, mentor_id: int | None) -> pages.Listing:
        """``/waitlist show [mentor]`` as a list (also for its page buttons after a restart)."""
        places = await self.bot.service.read(
            waitlist_places,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor_id,
        )
        return replies.listing(places)
