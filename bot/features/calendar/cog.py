"""``/calendar [reset]`` (R22): anyone gets their private feed address, privately; ``reset`` makes a new
one and the old one answers 404 from that moment. Without ``PUBLIC_URL`` nothing is made: the reply
says how the operator sets it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.calendar import replies
from bot.kit.errors import reply
from bot.kit.host import Host
from core.calendar import CalendarAddress, CalendarReset, calendar_address, reset_calendar


class GuildNames:
    """Server names by id from the bot's guild cache (what a feed's titles say)."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    def get(self, guild_id: int, /) -> str | None:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else None


class CalendarCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="calendar")
    @app_commands.guild_only()
    @app_commands.describe(reset="Make a new address; the old one stops working at once")
    async def calendar(self, interaction: discord.Interaction, reset: bool = False) -> None:
        """Your private calendar address: your sessions in every server, for your calendar app."""
        public_url = self.bot.settings.public_url
        if public_url is None:
            await reply(interaction, replies.NO_PUBLIC_URL)
            return

        def shown(made: CalendarAddress | CalendarReset) -> str:
            return replies.address(public_url, made)

        if reset:
            await self.bot.run_command(
                interaction, reset_calendar, shown, user_id=interaction.user.id, guild_id=interaction.guild_id
            )
            return
        await self.bot.run_command(
            interaction, calendar_address, shown, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
