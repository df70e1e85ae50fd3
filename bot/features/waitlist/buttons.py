"""The buttons of a waitlist offer's DM (R19), which outlive a restart: Accept and Decline. Each is a
``DynamicItem`` whose custom id carries the seat offered (fixed: DMs sent long ago carry it), and
answers through ``Host.run_command`` like a slash command. ``offer_dm_buttons`` is what the feature
registers with the sender for ``WAITLIST_OFFER`` DMs."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.features.waitlist import replies
from bot.kit.host import host_of
from bot.kit.interaction import actor
from core.outbox import Claimed
from core.waitlist import accept_offer, decline_offer


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
            interaction,
            use_case,
            replies.answered,
            actor=actor(interaction, bot.settings),
            seat_id=self.seat_id,
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
