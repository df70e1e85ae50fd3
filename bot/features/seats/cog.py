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
        boards = await self.bot.run_view(
            interaction,
            seat_board,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
        )
        if boards is None:
            return
        await pages.show(interaction, replies.seat_board(boards))

    @app_commands.command(name="roster")
    @app_commands.guild_only()
    @app_commands.describe(mentor="An admin: whose roster to see (default: your own)")
    async def roster(self, interaction: discord.Interaction, mentor: discord.Member | None = None) -> None:
        """Your students (an admin: any mentor's): status, sessions left, next session, grace deadline."""
        result = await self.bot.run_view(
            interaction,
            roster_of,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id if mentor is not None else None,
        )
        if result is None:
            return
        other = mentor is not None and mentor.id != interaction.user.id
        await pages.show(
            interaction, replies.roster_of(result, mentor.display_name if other and mentor else None)
        )
