"""The session commands: /complete (R3), /schedule (R10, R15), /cancel (R10, R18; a student's own
too), /noshow (R18) and /undo (R16), with the ``session`` and ``when`` autocompletes.

A command parses its options and hands one core use case and its reply to ``Host.run_command``; the
buttons its replies carry are in ``buttons``, the texts in ``replies``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.sessions import buttons, replies
from bot.kit.host import Host
from bot.kit.interaction import actor, guild_id, request_key, user_id_of
from bot.kit.text import narrowed
from core import bounds
from core.domain import SESSION_MINUTES_DEFAULT
from core.language import caller_language
from core.sessions import (
    CompletionChoice,
    LateCancelToConfirm,
    SessionMissed,
    cancel_session,
    complete_or_ask,
    noshow_session,
    schedule_session,
    session_choices,
    undo_choices,
)
from core.settings import time_zone_of
from core.when import read_when, when_choice

log = logging.getLogger(__name__)


class SessionsCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    async def session_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The caller's booked sessions (an admin's: everyone's), narrowed to the chosen student."""
        return await self._session_choices(interaction, current)

    async def own_session_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """For /cancel: also the sessions booked for the caller as a student (R18)."""
        return await self._session_choices(interaction, current, as_student=True)

    async def _session_choices(
        self, interaction: discord.Interaction, current: str, *, as_student: bool = False
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        student = user_id_of(getattr(interaction.namespace, "student", None))
        choices = await self.bot.service.read(
            session_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            student_user_id=student,
            typed=current,  # narrowed in SQL before the 25 are taken
            as_student=as_student,
        )
        labels = ((replies.session_label(session), session.session_id) for session in choices)
        return narrowed(labels, current.strip(), numbered=True)

    async def completed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The completions the caller may undo (core narrows them by what was typed)."""
        if interaction.guild_id is None:
            return []
        choices = await self.bot.service.read(
            undo_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            typed=current,
        )
        return narrowed((replies.undo_choice_label(choice), choice.session_id) for choice in choices)

    @app_commands.command(name="complete")
    @app_commands.guild_only()
    @app_commands.describe(
        student="The student whose session is done",
        session="The booked session (default: the one starting within the hour, or one recorded now)",
    )
    async def complete(
        self, interaction: discord.Interaction, student: discord.Member, session: int | None = None
    ) -> None:
        """Mark a session complete: it takes one session off the student's pack."""
        result = await self.bot.run_command(
            interaction,
            complete_or_ask,
            lambda result: buttons.completion_reply(interaction, result),
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            student_user_id=student.id,
            session_id=session,
            request_key=None if session is not None else request_key(interaction),
        )
        if result is None:
            return
        if isinstance(result, CompletionChoice):
            log.info(
                "user %s asked which session of student %s to complete (next booked: %s)",
                interaction.user.id,
                result.student_user_id,
                result.session_id,
            )
            return
        log.info(
            "user %s %s session %s for student %s on pack %s (%d of %d, %d left)%s",
            interaction.user.id,
            "found already completed" if result.already_completed else "completed",
            result.session_id,
            result.student_user_id,
            result.pack_id,
            result.number,
            result.total,
            result.left,
            f"; seat in grace until {result.grace_ends_at.isoformat()}" if result.grace_ends_at else "",
        )

    complete.autocomplete("session")(session_autocomplete)

    @app_commands.command(name="schedule")
    @app_commands.guild_only()
    @app_commands.describe(
        student="The student to book",
        when="When it starts, in your time zone (/timezone): tomorrow 18:00, tue 6pm, 2026-12-01T18:00",
        minutes="How long it lasts (15–240 minutes, default 60)",
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        student: discord.Member,
        when: str,
        minutes: app_commands.Range[
            int, bounds.MIN_SESSION_MINUTES, bounds.MAX_SESSION_MINUTES
        ] = SESSION_MINUTES_DEFAULT,
    ) -> None:
        """Book a session for a student on their pack; they get a DM and a reminder."""
        result = await self.bot.run_command(
            interaction,
            schedule_session,
            replies.booked,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            student_user_id=student.id,
            when=when,
            minutes=minutes,
            request_key=request_key(interaction),
        )
        if result is None:
            return
        log.info(
            "user %s booked session %s for student %s on pack %s at %s (%d minutes)",
            interaction.user.id,
            result.session_id,
            result.student_user_id,
            result.pack_id,
            result.starts_at.isoformat(),
            result.minutes,
        )

    @schedule.autocomplete("when")
    async def when_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """What ``when`` will be read as, in the caller's zone (R15) and language (R25); nothing while
        it reads as no time."""
        if interaction.guild_id is None or not current.strip():
            return []
        zone = await self.bot.service.read(
            time_zone_of, guild_id=interaction.guild_id, user_id=interaction.user.id
        )
        language = await self.bot.service.read(
            caller_language, guild_id=interaction.guild_id, locale=str(interaction.locale)
        )
        now = self.bot.clock.now()
        label = when_choice(current, zone=zone.zone, now=now, language=language)
        if label is None:
            return []
        # The value is the instant shown, exact: what the mentor saw is what gets booked.
        instant = read_when(current, zone=zone.zone, now=now, language=language)
        return [app_commands.Choice(name=label, value=instant.isoformat())]

    @app_commands.command(name="cancel")
    @app_commands.guild_only()
    @app_commands.describe(session="The booked session to cancel")
    async def cancel(self, interaction: discord.Interaction, session: int) -> None:
        """Cancel a booked session; a student's own late cancel takes it off the pack (asks first)."""
        result = await self.bot.run_command(
            interaction,
            cancel_session,
            replies.cancelled,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            session_id=session,
        )
        if result is None:
            return
        if isinstance(result, LateCancelToConfirm):
            # Nothing changed: the student confirms with the button, or leaves it (nothing happens).
            await interaction.edit_original_response(
                view=buttons.late_cancel_button(result, interaction.user.id)
            )
            return
        log.info(
            "user %s cancelled session %s of student %s on pack %s%s",
            interaction.user.id,
            result.session_id,
            result.student_user_id,
            result.pack_id,
            " (late: taken off the pack)" if isinstance(result, SessionMissed) else "",
        )

    cancel.autocomplete("session")(own_session_autocomplete)

    @app_commands.command(name="noshow")
    @app_commands.guild_only()
    @app_commands.describe(session="The booked session the student did not attend")
    async def noshow(self, interaction: discord.Interaction, session: int) -> None:
        """Mark a session that has started as a no-show; the student is told."""
        result = await self.bot.run_command(
            interaction,
            noshow_session,
            replies.no_show_marked,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            session_id=session,
        )
        if result is not None:
            log.info(
                "user %s marked session %s of student %s a no-show (taken: %s)",
                interaction.user.id,
                result.session_id,
                result.student_user_id,
                result.taken,
            )

    noshow.autocomplete("session")(session_autocomplete)

    @app_commands.command(name="undo")
    @app_commands.guild_only()
    @app_commands.describe(
        session="The completed session to undo", reason="Why (kept, and told to the student)"
    )
    async def undo(
        self, interaction: discord.Interaction, session: int, reason: app_commands.Range[str, 1, 300]
    ) -> None:
        """Undo a completion: the session is given back to the pack and the student is told."""
        await buttons.undo(interaction, session, reason)

    undo.autocomplete("session")(completed_autocomplete)
