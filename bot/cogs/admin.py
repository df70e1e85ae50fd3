"""Admins: /mentor add, /pack grant, /seats."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.kit import pages
from bot.kit.interaction import ADMIN_ONLY, actor, guild_id, request_key, user_id_of
from core import bounds, views
from core.usecases import grant_pack, grant_purchase, register_mentor, unplaced_purchases
from core.usecases.corrections import extend_pack, move_seat, pack_choices, remove_mentor, revoke_pack

if TYPE_CHECKING:
    from bot.kit.host import Host

log = logging.getLogger(__name__)


class AdminCog(commands.Cog):
    # Admin commands are hidden from members without Manage Server (a server may widen that in its
    # Integrations settings); core still checks who is an admin.
    mentor_group = app_commands.Group(
        name="mentor", description="Manage mentors.", guild_only=True, default_permissions=ADMIN_ONLY
    )
    pack_group = app_commands.Group(
        name="pack", description="Manage session packs.", guild_only=True, default_permissions=ADMIN_ONLY
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
            render.mentor_registered,
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

    @pack_group.command(name="grant")
    @app_commands.describe(
        student="The student who bought the pack",
        mentor="Their mentor",
        sessions="Sessions in the pack (1–52; default from settings)",
        valid_days="Days the pack is valid (1–730; default from settings)",
        purchase="A purchase made in Discord that had no seat to go to (R17): this grant places it",
    )
    async def pack_grant(
        self,
        interaction: discord.Interaction,
        student: discord.Member,
        mentor: discord.Member,
        sessions: app_commands.Range[int, bounds.MIN_PACK_SESSIONS, bounds.MAX_PACK_SESSIONS] | None = None,
        valid_days: app_commands.Range[int, bounds.MIN_VALID_DAYS, bounds.MAX_VALID_DAYS] | None = None,
        purchase: int | None = None,
    ) -> None:
        """Record a pack a student bought: it holds one of the mentor's seats."""
        who = actor(interaction, self.bot.settings)
        if purchase is None:
            result = await self.bot.run_command(
                interaction,
                grant_pack,
                render.pack_granted,
                guild_id=guild_id(interaction),
                actor=who,
                student_user_id=student.id,
                student_name=student.display_name,
                mentor_user_id=mentor.id,
                sessions_count=sessions,
                valid_days=valid_days,
                request_key=request_key(interaction),
            )
        else:
            result = await self.bot.run_command(
                interaction,
                grant_purchase,
                render.pack_granted,
                guild_id=guild_id(interaction),
                actor=who,
                purchase_id=purchase,
                student_user_id=student.id,
                student_name=student.display_name,
                mentor_user_id=mentor.id,
                sessions_count=sessions,
                valid_days=valid_days,
                request_key=request_key(interaction),
            )
        if result is None:
            return
        log.info(
            "user %s granted pack %s (%d sessions, until %s) to student %s on seat %s with mentor %s in "
            "server %s (new seat: %s, renewed from grace: %s)",
            interaction.user.id,
            result.pack_id,
            result.sessions,
            result.ends_at.isoformat(),
            result.student_user_id,
            result.seat_id,
            result.mentor_user_id,
            interaction.guild_id,
            result.new_seat,
            result.renewed_from_grace,
        )

    # ---- corrections (R16) ----------------------------------------------------------------------

    async def pack_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The server's packs, labelled by person and state, live seats first."""
        if interaction.guild_id is None:
            return []
        choices = await self.bot.service.read(
            pack_choices,
            guild_id=interaction.guild_id,
            actor=actor(interaction, self.bot.settings),
            typed=current,
        )
        return [
            app_commands.Choice(name=render.pack_choice_label(choice), value=choice.pack_id)
            for choice in choices
        ][:25]

    @mentor_group.command(name="remove")
    @app_commands.describe(mentor="The mentor to remove (they must hold no seat)")
    async def mentor_remove(self, interaction: discord.Interaction, mentor: discord.Member) -> None:
        """Remove a mentor who holds no seat."""
        result = await self.bot.run_command(
            interaction,
            remove_mentor,
            render.mentor_removed,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            mentor_user_id=mentor.id,
        )
        if result is not None:
            log.info(
                "user %s removed mentor %s in server %s", interaction.user.id, mentor.id, interaction.guild_id
            )

    @pack_group.command(name="extend")
    @app_commands.describe(pack="The pack to extend", days="Days to add to its end date (1–730)")
    async def pack_extend(
        self,
        interaction: discord.Interaction,
        pack: int,
        days: app_commands.Range[int, bounds.MIN_VALID_DAYS, bounds.MAX_VALID_DAYS],
    ) -> None:
        """Move a pack's end date later; an expired pack comes back with its forfeited sessions."""
        result = await self.bot.run_command(
            interaction,
            extend_pack,
            render.pack_extended,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            pack_id=pack,
            days=days,
            request_key=request_key(interaction),
        )
        if result is not None:
            log.info("user %s extended pack %s to %s", interaction.user.id, pack, result.ends_at.isoformat())

    pack_extend.autocomplete("pack")(pack_autocomplete)

    @pack_group.command(name="revoke")
    @app_commands.describe(pack="The pack refunded", reason="Why (kept, and told to the student and mentor)")
    async def pack_revoke(
        self, interaction: discord.Interaction, pack: int, reason: app_commands.Range[str, 1, 300]
    ) -> None:
        """A refund: unused sessions forfeited, bookings cancelled, a seat with no other pack released."""
        result = await self.bot.run_command(
            interaction,
            revoke_pack,
            render.pack_revoked,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            pack_id=pack,
            reason=reason,
        )
        if result is not None:
            log.info(
                "user %s revoked pack %s (seat released: %s)", interaction.user.id, pack, result.seat_released
            )

    pack_revoke.autocomplete("pack")(pack_autocomplete)

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
            render.seat_moved,
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

    @pack_grant.autocomplete("purchase")
    async def purchase_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        """The server's unplaced purchases (an admin's view), the chosen student's first."""
        if interaction.guild_id is None:
            return []
        waiting = await self.bot.service.read(
            unplaced_purchases, guild_id=interaction.guild_id, actor=actor(interaction, self.bot.settings)
        )
        chosen = getattr(interaction.namespace, "student", None)
        student = user_id_of(chosen)
        guild = interaction.guild
        if (
            guild is not None
            and not isinstance(chosen, discord.Member)
            and any(item.buyer_user_id == student for item in waiting)
        ):
            # Autocomplete gets the chosen member as a bare id: one look-up names them.
            try:
                chosen = guild.get_member(student) or await guild.fetch_member(student)  # type: ignore[arg-type]
            except discord.HTTPException:
                chosen = None
        typed = current.strip().lstrip("#").lower()
        choices = []
        for item in sorted(waiting, key=lambda item: (item.buyer_user_id != student, item.purchase_id)):
            label = render.purchase_label(item, self._name_of(item.buyer_user_id, chosen))
            if typed in label.lower():
                choices.append(app_commands.Choice(name=label, value=item.purchase_id))
        return choices[:25]

    def _name_of(self, user_id: int, chosen: object) -> str:
        """A buyer's name for a plain-text label: the chosen student's, a known user's, else the id."""
        if isinstance(chosen, discord.Member | discord.User) and chosen.id == user_id:
            return chosen.display_name
        user = self.bot.get_user(user_id)
        return user.display_name if user else f"user {user_id}"

    @app_commands.command(name="seats")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def seats(self, interaction: discord.Interaction) -> None:
        """Every mentor's seats held of capacity, and under each their students, grace and expiring first."""
        boards = await self.bot.run_view(
            interaction,
            views.seat_board,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
        )
        if boards is None:
            return
        await pages.show(interaction, render.seat_board(boards))
