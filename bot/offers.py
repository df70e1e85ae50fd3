"""The buttons of R18 and R19 that outlive a restart: Accept / Decline on a waitlist offer's DM, and
the student's confirmation of a late cancel. Each is a ``DynamicItem`` whose custom id carries the ids
it acts on, and answers through ``Host.run_command`` like a slash command."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.kit.host import host_of
from bot.kit.interaction import actor
from core.domain import LateCancelToConfirm, OfferAnswered, SessionCancelled, SessionMissed
from core.outbox import Claimed
from core.texts import mention, timestamp, when
from core.usecases.sessions import cancel_session
from core.usecases.waitlist import accept_offer, decline_offer


def answered(result: OfferAnswered) -> str:
    mentor = mention(result.mentor_user_id)
    if not result.accepted:
        return f"You declined the seat with {mentor}; it goes to the next in line."
    if result.already:
        return f"You already accepted the seat with {mentor}; it is held for you until {when(result.offer_ends_at)}."
    return (
        f"Accepted: the seat with {mentor} is held for you until {when(result.offer_ends_at)}. "
        "The admins have been told to grant you a pack."
    )


class OfferButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mentorbot:offer:(?P<seat>\d+):(?P<answer>accept|decline)",
):
    """Accept or Decline on a waitlist offer (R19); only the student it was offered to may press it."""

    def __init__(self, seat_id: int, answer: str) -> None:
        self.seat_id, self.answer = seat_id, answer
        super().__init__(
            discord.ui.Button(
                label="Accept" if answer == "accept" else "Decline",
                style=discord.ButtonStyle.success if answer == "accept" else discord.ButtonStyle.secondary,
                custom_id=f"mentorbot:offer:{seat_id}:{answer}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OfferButton:
        return cls(int(match["seat"]), match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = host_of(interaction)
        use_case = accept_offer if self.answer == "accept" else decline_offer
        await bot.run_command(
            interaction, use_case, answered, actor=actor(interaction, bot.settings), seat_id=self.seat_id
        )


def offer_buttons(seat_id: int, view: discord.ui.View | None = None) -> discord.ui.View:
    """Accept and Decline for the seat offered, added to ``view`` (which may hold the renewal button)."""
    view = view or discord.ui.View(timeout=None)
    view.add_item(OfferButton(seat_id, "accept"))
    view.add_item(OfferButton(seat_id, "decline"))
    return view


def offer_dm_buttons(notification: Claimed, view: discord.ui.View | None) -> discord.ui.View | None:
    """The buttons of a waitlist offer's DM: Accept and Decline beside the way to buy, if any."""
    if notification.seat_id is None:
        return view
    return offer_buttons(notification.seat_id, view)


# ---- R18: the student's late cancel -------------------------------------------------------------


def cancelled(result: SessionCancelled | SessionMissed | LateCancelToConfirm) -> str:
    """The reply to /cancel (and its confirmation): what happened to the session and the pack."""
    if isinstance(result, LateCancelToConfirm):
        return (
            f"Session #{result.session_id} with {mention(result.mentor_user_id)} starts {when(result.starts_at)}, "
            f"less than {result.late_cancel_hours} hours from now: cancelling it now takes it off your pack. "
            "Press Cancel it anyway to go ahead; otherwise nothing changes."
        )
    if isinstance(result, SessionMissed):
        return (
            f"Cancelled session #{result.session_id} on {timestamp(result.starts_at)}, late: it was taken off "
            f"your pack ({result.left} left)."
        )
    return (
        f"Cancelled session #{result.session_id} with {mention(result.student_user_id)} on "
        f"{timestamp(result.starts_at)}; nothing was taken off their pack. They have been told."
    )


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
            cancelled,
            guild_id=interaction.guild_id,
            actor=actor(interaction, bot.settings),
            session_id=self.session_id,
            confirm_late=True,
        )


def late_cancel_button(result: LateCancelToConfirm, student_user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(LateCancelButton(result.session_id, student_user_id))
    return view


ITEMS = (OfferButton, LateCancelButton)
