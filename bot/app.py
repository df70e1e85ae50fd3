"""The composition root: ``create_bot`` wires the settings, clock, database, sender and scheduler into
one discord.py bot. Tests, the demo and the CLI all come through this door.

Once started (discord.py runs ``setup_hook``): the schema is migrated, the cogs are loaded, the
command tree is synced if it changed since the last sync, and the scheduler runs the sweep and
delivery (``bot.scheduler``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import timedelta

import discord
from discord.ext import commands

from bot import pages, render
from bot.delivery import DiscordSender
from bot.errors import install_error_handler, mark_saved
from bot.scheduler import Ticks
from core import state
from core.clock import Clock, SystemClock
from core.config import Settings
from core.db import Database, open_database
from core.delivery import deliver
from core.domain import DeliveryReport, SweepReport
from core.service import Service
from core.sweep import next_due, sweep

log = logging.getLogger(__name__)

# After a sweep, something still "due now" is waiting on a booked session; look again in a while.
RECHECK_BLOCKED = timedelta(minutes=1)

# What the bot needs in a server: see channels and post there (the fallback channel), with embeds.
# Slash commands, their replies and DMs need no channel permission.
INVITE_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server, with the scopes and permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)


# mentorbot has no voice: spare every start the warnings that the voice libraries are missing.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class MentorBot(commands.Bot):
    """mentorbot: slash commands for mentors, students and admins; DMs from the outbox."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database: Database | None = None,
        run_scheduler: bool = True,
        **options: object,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # guild and channel cache; slash commands need nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.service = Service(
            database or open_database(settings.database_url), self.clock, settings.policy()
        )
        self.sender = DiscordSender(self, settings)
        self.ticks = Ticks(self, settings) if run_scheduler else None
        self._drain_lock = asyncio.Lock()
        # Installed here, not in setup_hook, so a harness that wraps ``tree.on_error`` when it attaches
        # (SimCord records every app-command error that way) still sees the errors this handler answers.
        install_error_handler(self)

    # ---- start and stop ---------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self.service.db.migrate()
        from bot.cogs import admin, mentor, student

        await self.add_cog(student.StudentCog(self))
        await self.add_cog(mentor.MentorCog(self))
        await self.add_cog(admin.AdminCog(self))
        pages.install(self)
        if self.application_id is not None and self.ticks is not None:
            # A running bot syncs when the tree changed; one-shot CLI commands sync on demand only.
            await self.sync_commands()
        if self.ticks is not None:
            self.ticks.start()
        log.info("mentorbot ready to start: database %s", self.service.db.url.render_as_string())

    async def on_ready(self) -> None:
        log.info(
            "logged in as %s (user %s) in %d servers; add it to a server: %s",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
            invite_url(self.application_id) if self.application_id else "(application id unknown)",
        )

    async def close(self) -> None:
        if self.ticks is not None:
            self.ticks.stop()
        await super().close()
        await self.service.db.dispose()

    # ---- commands sync ----------------------------------------------------------------------------

    def _tree_digest(self, guild: discord.abc.Snowflake | None) -> str:
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register the slash commands with Discord (to ``GUILD_ID`` only, when set) if the command tree
        changed since the last sync, or when forced. Returns whether it synced."""
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        key = f"command_tree:{guild.id if guild else 'global'}"
        digest = self._tree_digest(guild)
        if not force and await self.service.read(state.get, key=key) == digest:
            log.info("command tree unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.service.write(state.put, key=key, value=digest)
        log.info("synced %d commands %s", len(synced), f"to server {guild.id}" if guild else "globally")
        return True

    # ---- the harness contract: sweep and delivery -------------------------------------------------

    async def run_sweep(self) -> SweepReport:
        """One sweep pass as the scheduled job runs it, then delivery of what is due."""
        report = await self.service.write(sweep)
        if report.changed:
            log.info("sweep: %s", render.sweep_summary(report))
        await self.deliver_pending()
        await self.arm_wakeup(after_sweep=True)
        return report

    async def deliver_pending(self) -> DeliveryReport:
        """Deliver every due notification now."""
        async with self._drain_lock:
            return await deliver(self.service, self.sender)

    async def show_saved(
        self, interaction: discord.Interaction, content: str, notification_ids: Iterable[int] | None = None
    ) -> None:
        """After a command's transaction committed: note it (an error from here on says the change was
        saved), show the result, then deliver the DMs it caused."""
        mark_saved(interaction)
        await interaction.edit_original_response(content=content)
        if notification_ids is not None:
            await self.deliver_now(notification_ids)

    async def deliver_now(self, ids: Iterable[int]) -> DeliveryReport:
        """Deliver the notifications a command just caused (and re-arm the wake-up it may move).

        Runs after the command's reply: a failure here is logged, never shown over that reply. The
        notifications stay in the outbox and the delivery tick sends them.
        """
        wanted = tuple(ids)
        try:
            report = await deliver(self.service, self.sender, ids=wanted) if wanted else DeliveryReport()
            await self.arm_wakeup()
        except Exception:
            log.exception(
                "delivering notifications %s after a command failed; the delivery tick retries", wanted
            )
            return DeliveryReport()
        return report

    async def arm_wakeup(self, *, after_sweep: bool = False) -> None:
        """Arm the one-off wake-up for the next moment the sweep has something to do."""
        if self.ticks is None:
            return
        due = await self.service.read(next_due)
        if due is None:
            self.ticks.disarm_wakeup()
            return
        delay = due - self.clock.now()
        if delay <= timedelta(0) and after_sweep:
            delay = RECHECK_BLOCKED
        self.ticks.arm_wakeup(max(delay, timedelta(0)))


class ShardedMentorBot(MentorBot, commands.AutoShardedBot):
    """The same bot running some shards of the gateway (``SHARD_COUNT``, ``SHARD_IDS``)."""


def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    run_scheduler: bool = True,
) -> MentorBot:
    """Build the bot (not started). ``clock`` defaults to the system clock; tests pass a ManualClock."""
    if settings.shard_count is not None:
        return ShardedMentorBot(
            settings,
            clock=clock,
            database=database,
            run_scheduler=run_scheduler,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
    return MentorBot(settings, clock=clock, database=database, run_scheduler=run_scheduler)
