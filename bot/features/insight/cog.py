"""Seeing everything: /mysessions (a user's own seats and packs, in every server from a DM),
/student (everything about one student), /export (CSV files of the server's packs, sessions and
history) and /report (the figures of the last days, with a chart).

Each reads one view of ``core.insight`` in one transaction (``Host.run_view``, which answers a
refusal); the CSV text comes from ``core.insight.export`` and the chart from ``bot.kit.chart``."""

from __future__ import annotations

import asyncio
import io
import zipfile

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.insight import replies
from bot.kit import chart, pages
from bot.kit.delivery import renewal_item
from bot.kit.host import Host
from bot.kit.interaction import actor, guild_id
from core import insight
from core.errors import InvalidInput
from core.insight.my_sessions import MySessions
from core.settings.policy import policy_of

ZIP_NAME = "mentorbot-export.zip"


def export_attachments(
    files: dict[str, str], limit: int = chart.UPLOAD_LIMIT
) -> tuple[list[discord.File], bool]:
    """The CSV files as attachments, UTF-8 with a byte-order mark (so spreadsheets read names in any
    script); zipped into one when together they pass Discord's upload limit. Returns (files, zipped)."""
    encoded = {name: text.encode("utf-8-sig") for name, text in files.items()}
    if sum(len(data) for data in encoded.values()) <= limit:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in encoded.items()], False
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in encoded.items():
            archive.writestr(name, data)
    return [discord.File(io.BytesIO(buffer.getvalue()), filename=ZIP_NAME)], True


def _servers_of(mine: MySessions) -> set[int]:
    """The servers the caller's seats (live or lately released) are in."""
    return {seat.guild_id for seat in mine.seats} | {seat.guild_id for seat in mine.closed}


class InsightCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="mysessions")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def my_sessions(self, interaction: discord.Interaction) -> None:
        """Your seats and packs: sessions left, end dates, grace deadline, booked sessions, lately released."""
        mine = await self.bot.run_view(
            interaction, insight.my_sessions, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        if mine is None:
            return
        await pages.show(interaction, self._overview(interaction, mine))
        await self._offer_renewal(interaction, mine)

    async def my_sessions_listing(
        self, interaction: discord.Interaction, _arg: int | None = None
    ) -> pages.Listing:
        """``/mysessions`` as a list, for its page buttons after a restart."""
        mine = await self.bot.service.read(
            insight.my_sessions, user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        return self._overview(interaction, mine)

    def _overview(self, interaction: discord.Interaction, mine: MySessions) -> pages.Listing:
        names = {
            server: guild.name
            for server in _servers_of(mine)
            if (guild := self.bot.get_guild(server)) is not None
        }
        # Name the server in the headings only when the list spans servers (from a DM).
        return replies.my_sessions_overview(
            mine, names if interaction.guild_id is None else None, servers=names
        )

    async def _offer_renewal(self, interaction: discord.Interaction, mine: MySessions) -> None:
        """R17: the way to renew under the list, as each server set it (premium button, else the Stripe link
        naming the caller, else the renew link), in
        the servers where renewing makes sense now (in grace, the last session, a pack ending soon, a
        seat released lately): not beside a seat with sessions to spare."""
        servers = list(mine.renew_in)
        view = discord.ui.View(timeout=None)
        seen: set[object] = set()
        for server in servers:
            policy = await self.bot.service.read(policy_of, server)
            item = renewal_item(policy, guild_id=server, user_id=interaction.user.id)
            key = item and (item.sku_id or item.url)
            if item is None or key in seen or len(view.children) >= 5:
                continue
            seen.add(key)
            view.add_item(item)
        if view.children:
            await interaction.followup.send("Renew here:", view=view, ephemeral=True)

    @app_commands.command(name="student")
    @app_commands.guild_only()
    @app_commands.describe(student="The student to look up")
    async def student(self, interaction: discord.Interaction, student: discord.Member) -> None:
        """Everything about one student here: seats, packs, sessions and the last changes."""
        await pages.answer(interaction, self.student_listing, student.id)

    async def student_listing(
        self, interaction: discord.Interaction, student_id: int | None
    ) -> pages.Listing:
        """``/student student`` as a list (also for its page buttons after a restart)."""
        if student_id is None:
            raise InvalidInput("Name the student to look up.")
        file = await self.bot.service.read(
            insight.student_file,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            student_user_id=student_id,
        )
        return replies.student_file(file)

    @app_commands.command(name="export")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def export(self, interaction: discord.Interaction) -> None:
        """CSV files of this server's packs, sessions and history."""
        rows = await self.bot.run_view(
            interaction,
            insight.export_rows,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
        )
        if rows is None:
            return
        # A big server's files take a while to write and zip: off the event loop.
        attachments, zipped = await asyncio.to_thread(lambda: export_attachments(insight.export_files(rows)))
        counts = {
            "packs.csv": len(rows.packs),
            "sessions.csv": len(rows.sessions),
            "history.csv": len(rows.history),
        }
        await interaction.edit_original_response(
            content=replies.exported(counts, zipped), attachments=attachments
        )

    @app_commands.command(name="report")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(days="How many days back (default 30)")
    async def report(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[
            int, insight.MIN_REPORT_DAYS, insight.MAX_REPORT_DAYS
        ] = insight.REPORT_DAYS_DEFAULT,
    ) -> None:
        """Sessions completed, packs granted, graces, releases, no-shows and seats used, with a chart."""
        result = await self.bot.run_view(
            interaction,
            insight.report,
            guild_id=guild_id(interaction),
            actor=actor(interaction, self.bot.settings),
            days=days,
        )
        if result is None:
            return
        # Drawing takes a tenth of a second or so: off the event loop.
        png = await asyncio.to_thread(chart.weekly_chart, result)
        await interaction.edit_original_response(
            embed=replies.report_embed(result, chart.CHART_NAME),
            attachments=[discord.File(io.BytesIO(png), filename=chart.CHART_NAME)],
        )
