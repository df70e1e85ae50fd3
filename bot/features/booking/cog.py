"""/book (R21): a student books an open slot of their mentor's hours, ``when`` autocompleted with the
open slots in their zone, or, without ``when``, from a select menu a week per page (``menu``); with
``weekly`` the same slot for 2–8 weeks running, all or none. /reschedule moves a booked session to
another open slot.

Each command hands one core use case and its reply to the host; core decides what is open.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.booking import menu, replies
from bot.kit.host import Host
from bot.kit.interaction import actor, guild_id, user_id_of
from bot.kit.text import narrowed
from core import bounds
from core.errors import Refusal
from core.sessions import (
    SlotsBooked,
    book_slot,
    move_choices,
    move_session,
    session_choices,
    slot_choices,
    slots_page,
)

log = logging.getLogger(__name__)


def log_booked(user_id: int, result: SlotsBooked) -> None:
    for slot in result.sessions:
        log.info(
            "user %s booked session %s with mentor %s on pack %s at %s (%d minutes)",
            user_id,
            slot.session_id,
            result.mentor_user_id,
            slot.pack_id,
            slot.starts_at.isoformat(),
            result.minutes,
        )


class BookingCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="book")
    @app_commands.guild_only()
    @app_commands.describe(
        mentor="Your mentor (needed only when you have seats with several)",
        when="An open slot (default: pick one from a menu of the week's open slots)",
        weekly="Book the same slot for this many weeks running (2–8), all or none",
    )
    async def book(
        self,
        interaction: discord.Interaction,
        mentor: discord.Member | None = None,
        when: app_commands.Range[str, 1, 100] | None = None,
        weekly: app_commands.Range[int, bounds.MIN_WEEKLY, bounds.MAX_WEEKLY] | None = None,
    ) -> None:
        """Book a session in your mentor's open hours."""
        mentor_id = None if mentor is None else mentor.id
        if when is None:
            await self._menu(interaction, mentor_id, weekly)
            return
        result = await self.bot.run_command(
            interaction,
            book_slot,
            replies.booked,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            when=when,
            mentor_user_id=mentor_id,
            weekly=weekly,
        )
        if result is not None:
            log_booked(interaction.user.id, result)

    async def _menu(
        self, interaction: discord.Interaction, mentor_id: int | None, weekly: int | None
    ) -> None:
        """No ``when``: the first week of open slots in a select menu, ◀ ▶ to turn the week."""
        page = await self.bot.run_view(
            interaction,
            slots_page,
            guild_id=guild_id(interaction),
            student_user_id=interaction.user.id,
            mentor_user_id=mentor_id,
        )
        if page is None:
            return
        await interaction.edit_original_response(
            content=replies.page(page), view=menu.view(interaction.user.id, weekly or 0, page)
        )

    @book.autocomplete("when")
    async def when_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The open slots in the student's zone whose label holds what was typed, at most 25."""
        if interaction.guild_id is None:
            return []
        try:
            choices = await self.bot.service.read(
                slot_choices,
                guild_id=interaction.guild_id,
                student_user_id=interaction.user.id,
                mentor_user_id=user_id_of(getattr(interaction.namespace, "mentor", None)),
                typed=current,
            )
        except Refusal:
            return []  # no seat, no session to book, no hours: /book itself says why
        return narrowed((choice.label, choice.value) for choice in choices)

    @app_commands.command(name="reschedule")
    @app_commands.guild_only()
    @app_commands.describe(
        session="The booked session to move",
        when="An open slot of the mentor's hours to move it to",
    )
    async def reschedule(
        self, interaction: discord.Interaction, session: int, when: app_commands.Range[str, 1, 100]
    ) -> None:
        """Move a booked session to another open slot; its pack stays the same."""
        result = await self.bot.run_command(
            interaction,
            move_session,
            replies.moved,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            session_id=session,
            when=when,
        )
        if result is not None:
            log.info(
                "user %s moved session %s of student %s from %s to %s",
                interaction.user.id,
                result.session_id,
                result.student_user_id,
                result.was.isoformat(),
                result.starts_at.isoformat(),
            )

    @reschedule.autocomplete("session")
    async def session_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The booked sessions the caller may move: their own as a student or mentor, any for an admin."""
        if interaction.guild_id is None:
            return []
        choices = await self.bot.service.read(
            session_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            typed=current,
            as_student=True,
        )
        labels = ((replies.session_label(choice), choice.session_id) for choice in choices)
        return narrowed(labels, current.strip(), numbered=True)

    @reschedule.autocomplete("when")
    async def move_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The open slots the chosen session may move to, in the caller's zone."""
        session = getattr(interaction.namespace, "session", None)
        if interaction.guild_id is None or not isinstance(session, int):
            return []
        choices = await self.bot.service.read(
            move_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            session_id=session,
            typed=current,
        )
        return narrowed((choice.label, choice.value) for choice in choices)
