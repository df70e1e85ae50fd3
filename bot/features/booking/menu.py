"""/book's menu (R21, R20): the open slots of one week in a select menu, with ◀ ▶ to turn the week.
Picking a slot books it. The menu and the buttons are ``DynamicItem``s whose custom ids carry what a
press needs (whose menu it is, the mentor, the week, the weekly series), so they work after a
restart; every press reads the slots anew, so a menu never offers what was taken meanwhile. Only the
student who ran /book may use it; anyone else is refused privately.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.features.booking import replies
from bot.kit.host import Host, host_of
from bot.kit.interaction import actor, guild_id
from core.errors import Refusal
from core.sessions import SlotsPage, book_slot, slots_page

PREVIOUS, NEXT = "prev", "next"


def _not_yours(owner: int) -> str:
    return f"Only <@{owner}> can use this menu; run /book to see your own."


class SlotMenu(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"mb:bookpick:(?P<owner>\d+):(?P<mentor>\d+):(?P<weekly>\d+)",
):
    """The week's open slots; picking one books it (``weekly``: that many weeks running; 0: once)."""

    def __init__(self, owner: int, mentor: int, weekly: int, page: SlotsPage | None = None) -> None:
        self.owner, self.mentor, self.weekly = owner, mentor, weekly
        options = [
            discord.SelectOption(label=choice.label, value=choice.value)
            for choice in (page.choices if page is not None else ())
        ] or [discord.SelectOption(label="No open slot this week", value="none")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"mb:bookpick:{owner}:{mentor}:{weekly}",
                placeholder="Pick a slot to book it",
                options=options,
                disabled=page is not None and not page.choices,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SlotMenu:
        return cls(int(match["owner"]), int(match["mentor"]), int(match["weekly"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(_not_yours(self.owner), ephemeral=True)
            return
        bot = host_of(interaction)
        await bot.run_command(
            interaction,
            book_slot,
            replies.booked,
            guild_id=guild_id(interaction),
            actor=actor(interaction, bot.settings),
            when=self.item.values[0],
            mentor_user_id=self.mentor or None,
            weekly=self.weekly or None,
        )


class WeekButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"mb:bookweek:(?P<owner>\d+):(?P<mentor>\d+):(?P<weekly>\d+):(?P<week>\d+):(?P<way>prev|next)",
):
    """◀ or ▶ under the menu: the week before or after ``week``."""

    def __init__(self, owner: int, mentor: int, weekly: int, week: int, way: str, *, disabled: bool = False):
        self.owner, self.mentor, self.weekly, self.week, self.way = owner, mentor, weekly, week, way
        super().__init__(
            discord.ui.Button(
                label="◀" if way == PREVIOUS else "▶",
                style=discord.ButtonStyle.secondary if disabled else discord.ButtonStyle.primary,
                custom_id=f"mb:bookweek:{owner}:{mentor}:{weekly}:{week}:{way}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WeekButton:
        return cls(
            int(match["owner"]), int(match["mentor"]), int(match["weekly"]), int(match["week"]), match["way"]
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(_not_yours(self.owner), ephemeral=True)
            return
        bot = host_of(interaction)
        week = max(0, self.week + (1 if self.way == NEXT else -1))
        try:
            page = await read_page(bot, interaction, self.mentor, week)
        except Refusal as refusal:
            await interaction.response.send_message(refusal.message, ephemeral=True)
            return
        await interaction.response.edit_message(
            content=replies.page(page), view=view(self.owner, self.weekly, page)
        )


async def read_page(bot: Host, interaction: discord.Interaction[Any], mentor: int, week: int) -> SlotsPage:
    """Week ``week`` of the open slots for the student pressing or running /book."""
    return await bot.service.read(
        slots_page,
        guild_id=guild_id(interaction),
        student_user_id=interaction.user.id,
        mentor_user_id=mentor or None,
        week=week,
    )


def view(owner: int, weekly: int, page: SlotsPage) -> discord.ui.View:
    """The menu of ``page``'s slots and ◀ ▶ (the way that leads nowhere greyed out)."""
    mentor = page.opened.mentor_user_id
    menu = discord.ui.View(timeout=None)
    menu.add_item(SlotMenu(owner, mentor, weekly, page))
    menu.add_item(WeekButton(owner, mentor, weekly, page.week, PREVIOUS, disabled=page.week == 0))
    menu.add_item(WeekButton(owner, mentor, weekly, page.week, NEXT, disabled=page.week >= page.weeks - 1))
    return menu


# Listened for in ``setup``, also on menus sent before a restart.
ITEMS = (SlotMenu, WeekButton)
