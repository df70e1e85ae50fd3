"""The /hours commands (R21): a mentor publishes weekly windows in their own zone (``add``, ``remove``
with its ``window`` autocomplete), takes days off (``off``), sets how they are booked (``rules``) and
sees it all with the next open slots (``show``). An admin acts on any mentor with ``mentor``.

Each command parses its options and hands one core use case (``core.hours``) and its reply to the
host; core decides who may act and what is valid.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.hours import replies
from bot.kit import pages
from bot.kit.host import Host
from bot.kit.interaction import actor, guild_id, user_id_of
from bot.kit.text import narrowed
from core import bounds
from core.hours import add_days_off, add_window, hours_shown, remove_window, set_booking_rules, window_choices

log = logging.getLogger(__name__)

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MENTOR_OPTION = "The mentor whose hours these are (admins; default: your own)"


class HoursCog(commands.Cog):
    hours_group = app_commands.Group(
        name="hours", description="A mentor's weekly hours, days off and booking rules.", guild_only=True
    )

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @hours_group.command(name="add")
    @app_commands.describe(
        day="The weekday",
        start="When the window starts, HH:MM in the mentor's time zone",
        end="When it ends, HH:MM (24:00 for midnight)",
        mentor=MENTOR_OPTION,
    )
    async def hours_add(
        self,
        interaction: discord.Interaction,
        day: Day,
        start: app_commands.Range[str, 1, 10],
        end: app_commands.Range[str, 1, 10],
        mentor: discord.Member | None = None,
    ) -> None:
        """Publish a weekly window in which students can book you."""
        result = await self.bot.run_command(
            interaction,
            add_window,
            lambda result: replies.window_added(result, interaction.user.id),
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            day=day,
            start=start,
            end=end,
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if result is not None and not result.already:
            log.info(
                "user %s added window %s (%s) to mentor %s's hours",
                interaction.user.id,
                result.shown.label,
                result.zone,
                result.mentor_user_id,
            )

    @hours_group.command(name="remove")
    @app_commands.describe(window="The weekly window to take out", mentor=MENTOR_OPTION)
    async def hours_remove(
        self, interaction: discord.Interaction, window: int, mentor: discord.Member | None = None
    ) -> None:
        """Take a weekly window out of your hours (sessions booked in it stay)."""
        result = await self.bot.run_command(
            interaction,
            remove_window,
            lambda result: replies.window_removed(result, interaction.user.id),
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            window_id=window,
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if result is not None:
            log.info(
                "user %s removed window %s from mentor %s's hours",
                interaction.user.id,
                result.shown.label,
                result.mentor_user_id,
            )

    @hours_remove.autocomplete("window")
    async def window_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The mentor's windows whose label holds what was typed."""
        if interaction.guild_id is None:
            return []
        choices = await self.bot.service.read(
            window_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=user_id_of(getattr(interaction.namespace, "mentor", None)),
            typed=current,
        )
        return narrowed(((choice.label, choice.window_id) for choice in choices), current.strip())

    @hours_group.command(name="off")
    @app_commands.describe(
        from_="The first day off (a date like 2026-03-30 or 30 Mar, in the mentor's time zone)",
        to="The last day off (default: the first day alone)",
        mentor=MENTOR_OPTION,
    )
    @app_commands.rename(from_="from")
    async def hours_off(
        self,
        interaction: discord.Interaction,
        from_: app_commands.Range[str, 1, 40],
        to: app_commands.Range[str, 1, 40] | None = None,
        mentor: discord.Member | None = None,
    ) -> None:
        """Take whole days off: no slot is open on them."""
        result = await self.bot.run_command(
            interaction,
            add_days_off,
            lambda result: replies.days_off_added(result, interaction.user.id),
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            first=from_,
            last=to,
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if result is not None and not result.already:
            log.info(
                "user %s took %s off for mentor %s",
                interaction.user.id,
                result.shown.label,
                result.mentor_user_id,
            )

    @hours_group.command(name="rules")
    @app_commands.describe(
        length="How long a session lasts (15–240 minutes)",
        buffer="Minutes kept free between sessions (0–120)",
        notice_hours="The least notice a booking needs, in hours (0–168)",
        daily_max="The most sessions a day (0: no cap)",
        horizon_days="How many days ahead students can book (1–90)",
        mentor=MENTOR_OPTION,
    )
    async def hours_rules(
        self,
        interaction: discord.Interaction,
        length: app_commands.Range[int, bounds.MIN_SESSION_MINUTES, bounds.MAX_SESSION_MINUTES] | None = None,
        buffer: app_commands.Range[int, bounds.MIN_BUFFER_MINUTES, bounds.MAX_BUFFER_MINUTES] | None = None,
        notice_hours: app_commands.Range[int, bounds.MIN_NOTICE_HOURS, bounds.MAX_NOTICE_HOURS] | None = None,
        daily_max: app_commands.Range[int, bounds.MIN_DAILY_MAX, bounds.MAX_DAILY_MAX] | None = None,
        horizon_days: app_commands.Range[int, bounds.MIN_HORIZON_DAYS, bounds.MAX_HORIZON_DAYS] | None = None,
        mentor: discord.Member | None = None,
    ) -> None:
        """Set how you are booked; with no option, see the rules in force."""
        result = await self.bot.run_command(
            interaction,
            set_booking_rules,
            lambda result: replies.rules_set(result, interaction.user.id),
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            length=length,
            buffer=buffer,
            notice_hours=notice_hours,
            daily_max=daily_max,
            horizon_days=horizon_days,
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if result is not None and result.changed:
            log.info(
                "user %s set %s of mentor %s's booking rules",
                interaction.user.id,
                ", ".join(result.changed),
                result.mentor_user_id,
            )

    @hours_group.command(name="show")
    @app_commands.describe(mentor=MENTOR_OPTION)
    async def hours_show(
        self, interaction: discord.Interaction, mentor: discord.Member | None = None
    ) -> None:
        """See your weekly hours, days off, booking rules and next open slots."""
        result = await self.bot.run_view(
            interaction,
            hours_shown,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if result is not None:
            await pages.show(interaction, replies.hours_listing(result, interaction.user.id))
