"""Students' places in mentors' lines (R19): /waitlist join, /waitlist leave, /waitlist show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.kit import pages
from bot.kit.interaction import actor, guild_id
from bot.kit.pages import Block, Listing
from core.domain import WaitlistJoined, WaitlistLeft, WaitlistPlace, WaitlistStatus
from core.texts import mention, when
from core.usecases.waitlist import join_waitlist, leave_waitlist, waitlist_places

if TYPE_CHECKING:
    from bot.kit.host import Host


def joined(result: WaitlistJoined) -> str:
    place = result.place
    return (
        f"You are #{place.position} in {mention(place.mentor_user_id)}'s line. When a seat frees up and it "
        "is your turn, I'll DM you an offer."
    )


def left(result: WaitlistLeft) -> str:
    extra = " The seat held for you goes to the next in line." if result.offer_released else ""
    return f"You left {mention(result.mentor_user_id)}'s line.{extra}"


def _place_line(place: WaitlistPlace) -> str:
    name = place.student_name or f"Student {place.student_user_id}"
    text = f"#{place.position} {name} ({mention(place.student_user_id)})"
    if place.status == WaitlistStatus.OFFERED and place.offer_ends_at is not None:
        text += f" · seat offered, held until {when(place.offer_ends_at)}"
    return text


def listing(places: Sequence[WaitlistPlace]) -> Listing:
    lines: dict[int, list[str]] = {}
    for place in places:
        lines.setdefault(place.mentor_user_id, []).append(_place_line(place))
    return Listing(
        title="Waitlist",
        blocks=tuple(Block(f"Mentor {mention(mentor)}", tuple(rows)) for mentor, rows in lines.items()),
        empty="No one is waiting here; join a full mentor's line with /waitlist join.",
    )


@app_commands.guild_only()
class WaitlistCog(commands.GroupCog, group_name="waitlist"):
    """Wait in line for a seat with a mentor whose seats are all taken."""

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="join")
    @app_commands.guild_only()
    @app_commands.describe(mentor="The mentor whose seats are all taken")
    async def join(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Take a place in a mentor's line; you get an offer when a seat frees up."""
        await self.bot.run_command(
            interaction,
            join_waitlist,
            joined,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
            student_name=interaction.user.display_name,
        )

    @app_commands.command(name="leave")
    @app_commands.guild_only()
    @app_commands.describe(mentor="The mentor whose line you leave")
    async def leave(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Give up your place in a mentor's line (and a seat held for you)."""
        await self.bot.run_command(
            interaction,
            leave_waitlist,
            left,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
        )

    @app_commands.command(name="show")
    @app_commands.guild_only()
    @app_commands.describe(mentor="Whose line (a mentor: yours; an admin: anyone's)")
    async def show(self, interaction: discord.Interaction, mentor: discord.Member | None = None) -> None:
        """Your places in line; a mentor sees their line, an admin any line."""
        places = await self.bot.run_view(
            interaction,
            waitlist_places,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=None if mentor is None else mentor.id,
        )
        if places is None:
            return
        await pages.show(interaction, listing(places))
