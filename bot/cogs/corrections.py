"""Corrections a mentor makes (R16) and the question /complete asks (R3): /undo, the Undo button on a
/complete reply with its reason modal, and the two buttons that say which session a /complete meant.

The buttons are ``DynamicItem``s whose custom ids carry what a press needs (the session, the moment of
the completion, the question's key), so they work after a restart; core decides every rule.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.kit.host import host_of
from bot.kit.interaction import actor, guild_id
from bot.kit.text import Reply, local_time
from core.domain import UNDO_BUTTON_WINDOW, CompletionChoice, SessionCompleted
from core.usecases.corrections import complete_chosen, undo_choices, undo_session

if TYPE_CHECKING:
    from bot.kit.host import Host

REASON_LABEL = "Why is this completion undone?"


async def _undo(interaction: discord.Interaction[Any], session_id: int, reason: str) -> None:
    bot = host_of(interaction)
    await bot.run_command(
        interaction,
        undo_session,
        render.reverted,
        guild_id=guild_id(interaction),
        actor=actor(interaction, bot.settings),
        session_id=session_id,
        reason=reason,
    )


class UndoModal(discord.ui.Modal, title="Undo this completion"):
    """Asks the reason, which is kept on the voided session and told to the student."""

    reason: discord.ui.TextInput[UndoModal] = discord.ui.TextInput(
        label=REASON_LABEL, custom_id="reason", max_length=300, placeholder="e.g. completed the wrong student"
    )

    def __init__(self, session_id: int) -> None:
        super().__init__(custom_id=f"mentorbot:undo-reason:{session_id}")
        self.session_id = session_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await _undo(interaction, self.session_id, self.reason.value)


class UndoButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mentorbot:undo:(?P<session>\d+):(?P<at>\d+)",
):
    """Undo on a /complete reply: for 15 minutes after the completion, it asks the reason and undoes."""

    def __init__(self, session_id: int, completed_at: int) -> None:
        self.session_id, self.completed_at = session_id, completed_at
        super().__init__(
            discord.ui.Button(
                label="Undo",
                style=discord.ButtonStyle.secondary,
                custom_id=f"mentorbot:undo:{session_id}:{completed_at}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UndoButton:
        return cls(int(match["session"]), int(match["at"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        completed_at = datetime.fromtimestamp(self.completed_at, UTC)
        if host_of(interaction).clock.now() > completed_at + UNDO_BUTTON_WINDOW:
            await interaction.response.send_message(
                f"The Undo button works for 15 minutes after a completion; run /undo for session "
                f"#{self.session_id} with a reason instead.",
                ephemeral=True,
            )
            return
        await interaction.response.send_modal(UndoModal(self.session_id))


def undo_view(result: SessionCompleted) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(UndoButton(result.session_id, int(result.completed_at.timestamp())))
    return view


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mb:choose:(?P<owner>\d+):(?P<student>\d+):(?P<session>\d+):(?P<ask>\d+)",
):
    """One answer to "is it that session, or a new one now?" (session 0: a new one). Both answers of
    one question share its key, so pressing either twice, or both, completes one session."""

    def __init__(self, owner: int, student: int, session: int, ask: int, label: str = "") -> None:
        self.owner, self.student, self.session, self.ask = owner, student, session, ask
        super().__init__(
            discord.ui.Button(
                label=label
                or ("Record a new session now" if session == 0 else "Complete the booked session"),
                style=discord.ButtonStyle.primary if session else discord.ButtonStyle.secondary,
                custom_id=f"mb:choose:{owner}:{student}:{session}:{ask}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoiceButton:
        return cls(int(match["owner"]), int(match["student"]), int(match["session"]), int(match["ask"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(
                f"Only <@{self.owner}> can answer this question; run /complete yourself.", ephemeral=True
            )
            return
        bot = host_of(interaction)
        await bot.run_command(
            interaction,
            complete_chosen,
            lambda result: completion_reply(interaction, result),
            guild_id=guild_id(interaction),
            actor=actor(interaction, bot.settings),
            student_user_id=self.student,
            session_id=self.session or None,
            choice_key=f"choice:{self.ask}",
        )


def choice_view(owner: int, ask: int, result: CompletionChoice) -> discord.ui.View:
    at = local_time(result.starts_at, result.time_zone)
    view = discord.ui.View(timeout=None)
    view.add_item(
        ChoiceButton(
            owner, result.student_user_id, result.session_id, ask, f"Complete the session of {at}"[:80]
        )
    )
    view.add_item(ChoiceButton(owner, result.student_user_id, 0, ask))
    return view


def completion_reply(
    interaction: discord.Interaction[Any], result: SessionCompleted | CompletionChoice
) -> Reply:
    """/complete's reply (R3, R16): the question with its two answers, or the completion with Undo."""
    if isinstance(result, CompletionChoice):
        return Reply(
            render.completed_or_choice(result), choice_view(interaction.user.id, interaction.id, result)
        )
    return Reply(render.completed(result), None if result.already_completed else undo_view(result))


def install(bot: Host) -> None:
    """Listen for these buttons, also on replies sent before a restart."""
    bot.add_dynamic_items(UndoButton, ChoiceButton)


class CorrectionsCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    async def completed_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        choices = await self.bot.service.read(
            undo_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            typed=current,
        )
        return [
            app_commands.Choice(name=render.undo_choice_label(choice), value=choice.session_id)
            for choice in choices
        ][:25]

    @app_commands.command(name="undo")
    @app_commands.guild_only()
    @app_commands.describe(
        session="The completed session to undo", reason="Why (kept, and told to the student)"
    )
    async def undo(
        self, interaction: discord.Interaction, session: int, reason: app_commands.Range[str, 1, 300]
    ) -> None:
        """Undo a completion: the session is given back to the pack and the student is told."""
        await _undo(interaction, session, reason)

    undo.autocomplete("session")(completed_autocomplete)
