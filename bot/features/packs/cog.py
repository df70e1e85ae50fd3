"""The pack commands (admins): /pack grant (R2, and a purchase that had no seat to go to, R17),
/pack extend and /pack revoke (R16), with the ``pack`` and ``purchase`` autocompletes."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.packs import replies
from bot.kit.host import Host
from bot.kit.interaction import ADMIN_ONLY, actor, guild_id, request_key, user_id_of
from bot.kit.text import narrowed
from core import bounds
from core.packs import PackGranted, extend_pack, grant_pack, pack_choices, revoke_pack
from core.purchases import grant_purchase, unplaced_purchases

log = logging.getLogger(__name__)


def log_grant(interaction: discord.Interaction, result: PackGranted) -> None:
    """A grant on one log line, with the ids that matter."""
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


class PacksCog(commands.Cog):
    # Hidden from members without Manage Server (a server may widen that in its Integrations
    # settings); core still checks who is an admin.
    pack_group = app_commands.Group(
        name="pack", description="Manage session packs.", guild_only=True, default_permissions=ADMIN_ONLY
    )

    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @pack_group.command(name="grant")
    @app_commands.describe(
        student="The student who bought the pack",
        mentor="Their mentor",
        sessions="Sessions in the pack (1–52; default from settings)",
        valid_days="Days the pack is valid (1–730; default from settings)",
        purchase="A purchase made in Discord that had no seat to go to: this grant places it",
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
                replies.pack_granted,
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
                replies.pack_granted,
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
        if result is not None:
            log_grant(interaction, result)

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
        return narrowed((replies.pack_choice_label(choice), choice.pack_id) for choice in choices)

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
            replies.pack_extended,
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
            replies.pack_revoked,
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
        labelled = (
            (replies.purchase_label(item, self._name_of(item.buyer_user_id, chosen)), item.purchase_id)
            for item in sorted(waiting, key=lambda item: (item.buyer_user_id != student, item.purchase_id))
        )
        return narrowed(labelled, current.strip().lstrip("#"))

    def _name_of(self, user_id: int, chosen: object) -> str:
        """A buyer's name for a plain-text label: the chosen student's, a known user's, else the id."""
        if isinstance(chosen, discord.Member | discord.User) and chosen.id == user_id:
            return chosen.display_name
        user = self.bot.get_user(user_id)
        return user.display_name if user else f"user {user_id}"
