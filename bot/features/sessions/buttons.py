"""The session buttons, which outlive a restart: Undo on a /complete reply with its reason modal
(R16), the two answers to the question /complete asks (R3), and the student's confirmation of a late
cancel (R18).

Each button is a ``DynamicItem`` whose custom id carries what a press needs (the session, the moment
of the completion, the question's key), so it works after a restart; core decides every rule. The
custom ids are fixed: messages sent long ago carry them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import discord

from bot.features.sessions import replies
from bot.kit.host import host_of
from bot.kit.interaction import actor, guild_id
from bot.kit.text import Reply, local_time
from core.domain import UNDO_BUTTON_WINDOW
from core.sessions import (
    CompletionChoice,
    LateCancelToConfirm,
    SessionCompleted,
    cancel_session,
    complete_chosen,
    undo_session,
)
from core.texts import mention

REASON_LABEL = "Why is this completion undone?"


async def undo(interaction: discord.Interaction[Any], session_id: int, reason: str) -> None:
    """Revert a completion, with the reason (/undo, and the Undo button's modal)."""
    bot = host_of(interaction)
    await bot.run_command(
        interaction,
        undo_session,
        replies.reverted,
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
        await undo(interaction, self.session_id, self.reason.value)


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
            replies.completed_or_choice(result), choice_view(interaction.user.id, interaction.id, result)
        )
    return Reply(replies.completed(result), None if result.already_completed else undo_view(result))


# ---- R18: the student's late cancel -------------------------------------------------------------


class LateCancelButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mentorbot:latecancel:(?P<session>\d+):(?P<student>\d+)",
):
    """The student's confirmation of a late cancel (R18); nothing changes until it is pressed."""

    def __init__(self, session_id: int, student_user_id: int) -> None:
        self.session_id, self.student_user_id = session_id, student_user_id
        super().__init__(
            discord.ui.Button(
                label="Cancel it anyway",
                style=discord.ButtonStyle.danger,
                custom_id=f"mentorbot:latecancel:{session_id}:{student_user_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LateCancelButton:
        return cls(int(match["session"]), int(match["student"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.student_user_id or interaction.guild_id is None:
            await interaction.response.send_message(
                f"Only {mention(self.student_user_id)} can confirm this cancel; use /cancel for your own sessions.",
                ephemeral=True,
            )
            return
        bot = host_of(interaction)
        await bot.run_command(
            interaction,
            cancel_session,
            replies.cancelled,
            guild_id=interaction.guild_id,
            actor=actor(interaction, bot.settings),
            session_id=self.session_id,
            confirm_late=True,
        )


def late_cancel_button(result: LateCancelToConfirm, student_user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(LateCancelButton(result.session_id, student_user_id))
    return view


# Listened for in ``setup``, also on replies sent before a restart.
ITEMS = (UndoButton, ChoiceButton, LateCancelButton)
