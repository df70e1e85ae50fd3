"""Admins: /settings show, /settings set name value, /settings reset name (R14).

The cog reads a channel or role given as a mention or an id, tells core which channels the bot can
post in and which roles this server has (``ServerFacts``), and core decides; the replies are in
``replies``.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.settings import replies
from bot.kit import pages
from bot.kit.host import Host
from bot.kit.interaction import ADMIN_ONLY, actor, guild_id
from core.registry import SERVER_SETTINGS
from core.settings import (
    ServerFacts,
    reset_server_setting,
    server_settings_shown,
    set_server_setting,
)

MENTION = re.compile(r"^<(?:#|@&)(\d+)>$")


def plain_value(text: str) -> str:
    """The value as core reads it: a channel or role mention becomes its id."""
    stripped = text.strip()
    found = MENTION.match(stripped)
    return found.group(1) if found else stripped


def server_facts(guild: discord.Guild | None) -> ServerFacts:
    """The channels of ``guild`` the bot may post in, and the roles it has."""
    if guild is None:
        return ServerFacts()
    me = guild.me
    postable = frozenset(
        channel.id
        for channel in guild.channels
        if isinstance(channel, discord.TextChannel)
        and me is not None
        and channel.permissions_for(me).send_messages
    )
    return ServerFacts(postable_channel_ids=postable, role_ids=frozenset(role.id for role in guild.roles))


class SettingsCog(commands.Cog):
    settings_group = app_commands.Group(
        name="settings",
        description="This server's program settings.",
        guild_only=True,
        default_permissions=ADMIN_ONLY,
    )

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=f"{name} — {setting.meaning}"[:100], value=name)
            for name, setting in SERVER_SETTINGS.items()
            if typed in name
        ][:25]

    @settings_group.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """Every server setting with its value, and whether it is this server's or the default."""
        await pages.answer(interaction, self.settings_listing)

    async def settings_listing(
        self, interaction: discord.Interaction, _arg: int | None = None
    ) -> pages.Listing:
        """``/settings show`` as a list (also for its page buttons after a restart)."""
        rows = await self.bot.service.read(
            server_settings_shown, guild_id=guild_id(interaction), actor=actor(interaction)
        )
        return replies.settings_listing(rows)

    @settings_group.command(name="set")
    @app_commands.describe(
        name="The setting (lower case, e.g. grace_period_hours)",
        value="Its value as text; a channel or role as its mention or id",
    )
    async def set_(self, interaction: discord.Interaction, name: str, value: str) -> None:
        """Change one setting for this server; it applies from now on."""
        await self.bot.run_command(
            interaction,
            set_server_setting,
            replies.changed,
            guild_id=guild_id(interaction),
            actor=actor(interaction),
            name=name,
            text=plain_value(value),
            facts=server_facts(interaction.guild),
        )

    @settings_group.command(name="reset")
    @app_commands.describe(name="The setting to take back to the default")
    async def reset(self, interaction: discord.Interaction, name: str) -> None:
        """Take one setting of this server back to the default."""
        await self.bot.run_command(
            interaction,
            reset_server_setting,
            replies.changed,
            guild_id=guild_id(interaction),
            actor=actor(interaction),
            name=name,
        )

    set_.autocomplete("name")(name_autocomplete)
    reset.autocomplete("name")(name_autocomplete)
