"""Anyone: /timezone [zone] (R15), the zone their `when` is read in.

The zone list is the system's IANA database, filtered by what is typed; the choice is stored by core.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.settings import replies
from bot.kit.host import Host
from bot.kit.interaction import guild_id
from core.settings import set_time_zone, time_zone_of

MAX_CHOICES = 25  # Discord's limit on autocomplete choices


@cache
def zone_names() -> tuple[str, ...]:
    # Sorted so a prefix shows its zones in order; legacy aliases ("US/Eastern") are kept, they read.
    return tuple(sorted(zoneinfo.available_timezones()))


def zones_matching(typed: str) -> list[str]:
    """Up to 25 IANA names for what was typed: those that start with it first, then those containing it."""
    wanted = typed.strip().lower().replace(" ", "_")
    names = zone_names()
    starts = [name for name in names if name.lower().startswith(wanted)]
    inside = [name for name in names if wanted in name.lower() and not name.lower().startswith(wanted)]
    return (starts + inside)[:MAX_CHOICES]


class TimeZoneCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="timezone")
    @app_commands.guild_only()
    @app_commands.describe(zone="An IANA time zone, e.g. Europe/Berlin (leave out to see yours)")
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        """Set the time zone the times you type are read in, or see it."""
        if zone is None:
            shown = await self.bot.run_view(
                interaction, time_zone_of, guild_id=guild_id(interaction), user_id=interaction.user.id
            )
            if shown is not None:
                await interaction.edit_original_response(content=replies.zone_reply(shown))
            return
        await self.bot.run_command(
            interaction,
            set_time_zone,
            replies.zone_set,
            guild_id=guild_id(interaction),
            user_id=interaction.user.id,
            zone=zone,
        )

    @timezone.autocomplete("zone")
    async def zone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in zones_matching(current)]
