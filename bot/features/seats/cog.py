"""The seat commands: /mentor add and /mentor remove (R1, R16), /seat move (R16) and /seats (admins),
and /roster (a mentor's own students; an admin's, any mentor's)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.seats import replies
from bot.kit import pages
from bot.kit.host import Host
from bot.kit.interaction import ADMIN_ONLY, actor, guild_id
from core import bounds
from core.seats import move_seat, register_mentor, remove_mentor, roster_of, seat_board

log = logging.getLogger(__name__)


async def _display_name(interaction: discord.Interaction, user_id: int) -> str:
    """The name member ``user_id`` shows here: the option's member on the command, else (a page button
    after a restart) the server's member, asked of Discord if not at hand; "" if unknown."""
    named = interaction.namespace.mentor
    if isinstance(named, discord.Member | discord.User) and named.id == user_id:
        return named.display_name
    if interaction.guild is None:
        return ""
    member = interaction.guild.get_member(user_id)
    if member is None:
        try:
            member = await interaction.guild.fetch_member(user_id)
        except discord.HTTPException:
            return ""
    return member.display_name


class SeatsCog(commands.Cog):
    # Admin commands are hidden from members without Manage Server (a server may widen that in its
    # Integrations settings); core still checks who is an admin.
    mentor_group = app_commands.Group(
        name="mentor", description="Manage mentors.", guild_only=True, default_permissions=ADMIN_ONLY
    )
    seat_group = app_commands.Group(
        name="seat", description="Manage seats.", guild_only=True, default_permissions=ADMIN_ONLY
    )

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @mentor_group.command(name="add")
    @app_commands.describe(
        mentor="The member who mentors", seats="How many students they take at once (0–100)"
    )
    async def mentor_add(
        self,
        interaction: discord.Interaction,
        mentor: discord.Member,
        seats: app_commands.Range[int, bounds.MIN_SEATS, bounds.MAX_SEATS],
    ) -> None:
        """Register a mentor with a number of seats, or change their seats."""
        result = await self.bot.run_command(
            interaction,
            register_mentor,
            replies.mentor_registered,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
            mentor_name=mentor.display_name,
            seats_capacity=seats,
        )
        if result is None:
            return
        log.info(
            "user %s set mentor %s to %d seats (was %s; %d held) in server %s",
            interaction.user.id,
            result.mentor_user_id,
            result.capacity,
            result.previous_capacity,
            result.seats_held,
            interaction.guild_id,
        )

    @mentor_group.command(name="remove")
    @app_commands.describe(mentor="The mentor to remove (they must hold no seat)")
    async def mentor_remove(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Remove a mentor who holds no seat."""
        result = await self.bot.run_command(
            interaction,
            remove_mentor,
            replies.mentor_removed,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
        )
        if result is not None:
            log.info(
                "user %s removed mentor %s in server %s", interaction.user.id, mentor.id, interaction.guild_id
            )

    @seat_group.command(name="move")
    @app_commands.describe(
        student="The student whose seat moves",
        mentor="Their mentor now",
        new_mentor="The mentor who takes the seat (needs a free one)",
    )
    async def seat_move(
        self,
        interaction: discord.Interaction,
        student: discord.Member,
        mentor: discord.Member,
        new_mentor: discord.Member,
    ) -> None:
        """Move a student's seat, packs and bookings to another mentor."""
        result = await self.bot.run_command(
            interaction,
            move_seat,
            replies.seat_moved,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            student_user_id=student.id,
            mentor_user_id=mentor.id,
            new_mentor_user_id=new_mentor.id,
        )
        if result is not None:
            log.info(
                "user %s moved the seat of %s from %s to %s",
                interaction.user.id,
                student.id,
                mentor.id,
                new_mentor.id,
            )

    @app_commands.command(name="seats")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def seats(self, interaction: discord.Interaction) -> None:
        """Every mentor's seats held of capacity, and under each their students, grace and expiring first."""
        await pages.answer(interaction, self.seats_listing)

    async def seats_listing(self, interaction: discord.Interaction, _arg: int | None = None) -> pages.Listing:
        """``/seats`` as a list (also for its page buttons after a restart)."""
        boards = await self.bot.service.read(
            seat_board, guild_id=guild_id(interaction), actor=actor(interaction, self.bot.settings)
        )
        return replies.seat_board(boards)

    @app_commands.command(name="roster")
    @app_commands.guild_only()
    @app_commands.describe(mentor="An admin: whose roster to see (default: your own)")
    async def roster(self, interaction: discord.Interaction, mentor: discord.Member | None = None) -> None:
        """Your students (an admin: any mentor's): status, sessions left, next session, grace deadline."""
        await pages.answer(interaction, self.roster_listing, None if mentor is None else mentor.id)

    async def roster_listing(self, interaction: discord.Interaction, mentor_id: int | None) -> pages.Listing:
        """``/roster [mentor]`` as a list (also for its page buttons after a restart)."""
        result = await self.bot.service.read(
            roster_of,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor_id,
        )
        if mentor_id is None or mentor_id == interaction.user.id:
            return replies.roster_of(result)
        return replies.roster_of(result, await _display_name(interaction, mentor_id))
