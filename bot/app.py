"""The composition root: ``create_bot`` wires the settings, clock, database, the runtime (sweep and
delivery, ``core.runtime``) with its Discord sender, and the scheduler's ticks into one discord.py bot.
Tests, the demo and the CLI all come through this door.

``MentorBot`` is the kit's ``Host`` (``bot.kit.host``, which holds the one path every command takes)
with everything built in. It imports no feature: it loads each by name (``FEATURES``), and each
feature's ``setup`` adds its commands, its buttons and the DM buttons it owns.

Once started (discord.py runs ``setup_hook``): the schema is migrated, the features are loaded (each
adds its commands, and its routes to the web door), the web door listens on ``WEB_HOST:WEB_PORT``
(``bot.web_url``; a port it cannot take stops the start, ``WebDoorUnavailable``), the command tree is
synced if it changed since the last sync, the purchases made while the bot was down are placed, and
the scheduler runs the sweep and delivery (``bot.scheduler``). ``close`` stops the web door first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.kit import pages
from bot.kit.delivery import DiscordSender
from bot.kit.errors import install_error_handler
from bot.kit.host import Host
from bot.kit.interaction import remember_locales
from bot.kit.translator import CatalogTranslator, localizable
from bot.scheduler import Ticks
from bot.web import HealthChecks, Metrics, WebDoor, database_check, waiting_counter
from core import state
from core.clock import Clock, SystemClock
from core.config import Settings
from core.db import Database, open_database
from core.delivery import DeliveryReport
from core.runtime import Runtime
from core.service import Service
from core.sweep import SweepReport

log = logging.getLogger(__name__)

# What the bot needs in a server: see channels and post there (the fallback channel), with embeds.
# Slash commands, their replies and DMs need no channel permission.
INVITE_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
INVITE_SCOPES = ("bot", "applications.commands")
# The server the last guild sync registered the commands on (bot_state), to remove them from later.
GUILD_SYNC_KEY = "command_guild"

# The features (bot/features/<name>), loaded by name when the bot starts: the root imports none.
FEATURES = (
    "sessions",
    "packs",
    "seats",
    "waitlist",
    "purchases",
    "settings",
    "insight",
    "hours",
    "booking",
    "calendar",
)


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server, with the scopes and permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)


# mentorbot has no voice: spare every start the warnings that the voice libraries are missing.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class MentorBot(Host):
    """mentorbot: slash commands for mentors, students and admins; DMs from the outbox."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database: Database | None = None,
        run_scheduler: bool = True,
        run_web: bool | None = None,
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
        self.clock = clock or SystemClock()
        self.service = Service(
            database or open_database(settings.database_url), self.clock, settings.policy()
        )
        self.sender = DiscordSender(self, settings)
        self.runtime = Runtime(self.service, self.sender)  # the purchases feature adds its shop
        self.metrics = Metrics()
        self.metrics.waiting = waiting_counter(self.service)
        self.runtime.on_delivered = self._count_delivery
        self.last_sweep_at: datetime | None = None
        self._last_sweep_started: datetime | None = None
        self._gateway_lost = False
        self.ticks: Ticks | None = None
        if run_scheduler:
            self.ticks = Ticks(settings, self.clock, sweep=self.run_sweep, deliver=self.deliver_pending)
            self.runtime.wake_at = self.ticks.wake_at
        # R24: one web server in this process (not in one-shot CLI commands: they serve nothing).
        self.web: WebDoor | None = None
        if run_scheduler if run_web is None else run_web:
            self.web = WebDoor(
                settings.web_host, settings.web_port, health=self._health(), metrics=self.metrics
            )
        # Installed here, not in setup_hook, so a harness that wraps ``tree.on_error`` when it attaches
        # (SimCord records every app-command error that way) still sees the errors this handler answers.
        install_error_handler(self)

    # ---- start and stop ---------------------------------------------------------------------------

    @property
    def web_url(self) -> str | None:
        """The web door's base address once it listens (``http://127.0.0.1:<port>``), else None."""
        return self.web.url if self.web is not None else None

    async def setup_hook(self) -> None:
        await self.service.db.migrate()
        await self.tree.set_translator(CatalogTranslator())  # R25: descriptions in es and pt-BR too
        for name in FEATURES:
            await self.load_extension(f"bot.features.{name}")
        localizable(self.tree)
        remember_locales(self, self.service)
        pages.install(self)
        if self.web is not None:
            await self.web.start()  # WebDoorUnavailable: the CLI prints its one line and exits 2
        if self.application_id is not None and self.ticks is not None:
            # A running bot syncs when the tree changed; one-shot CLI commands sync on demand only.
            await self.sync_commands()
        if self.ticks is not None:
            # R17: what was bought while the bot was down is placed now, before the first sweep.
            await self.runtime.place_purchases()
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
        if self.web is not None:
            await self.web.stop()
        if self.ticks is not None:
            self.ticks.stop()
        await super().close()
        await self.service.db.dispose()

    # ---- commands sync ----------------------------------------------------------------------------

    async def _tree_digest(self, guild: discord.abc.Snowflake | None) -> str:
        """What a sync sends, translations included (a changed translation is a change to sync)."""
        commands = self.tree.get_commands(guild=guild, type=None)
        if guild is not None:  # the commands that stay global (``_keep_global``) are synced with them
            commands += self.tree.get_commands(type=None)
        translator = self.tree.translator
        payload = [
            await command.get_translated_payload(self.tree, translator)
            if translator is not None
            else command.to_dict(self.tree)
            for command in commands
        ]
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register the slash commands with Discord (to ``GUILD_ID``, when set) if the command tree
        changed since the last sync, or when forced. Returns whether it synced.

        Discord shows a server both its own and the global registrations, so no command is in both: a
        sync to ``GUILD_ID`` registers there every command but those that work in DMs (/mysessions),
        which stay the only global ones; a global sync registers them all globally and empties the list
        of the server the last guild sync went to."""
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        if guild is not None:
            self._move_to(guild)
        key = f"command_tree:{guild.id if guild else 'global'}"
        digest = await self._tree_digest(guild)
        if not force and await self.service.read(state.get, key=key) == digest:
            log.info("command tree unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.service.write(state.put, key=key, value=digest)
        await self._remove_other_registration(guild)
        log.info("synced %d commands %s", len(synced), f"to server {guild.id}" if guild else "globally")
        return True

    def _move_to(self, guild: discord.abc.Snowflake) -> None:
        """Every command that works in servers only goes to ``guild``'s list and leaves the global one;
        those that work in DMs too stay global only (a copy in the server would show twice there)."""
        for command in self.tree.get_commands(type=None):
            contexts = command.allowed_contexts
            if contexts is not None and contexts.dm_channel:
                continue
            self.tree.add_command(command, guild=guild, override=True)
            kind = (
                command.type
                if isinstance(command, app_commands.ContextMenu)
                else discord.AppCommandType.chat_input
            )
            self.tree.remove_command(command.name, type=kind)

    async def _remove_other_registration(self, guild: discord.abc.Snowflake | None) -> None:
        assert self.application_id is not None  # tree.sync above needed it too
        previous = await self.service.read(state.get, key=GUILD_SYNC_KEY)
        if guild is not None:
            kept = await self.tree.sync()  # the global list now holds only what works in DMs
            # A later global sync (all the commands) must not skip as "unchanged".
            await self.service.write(state.put, key="command_tree:global", value="")
            await self.service.write(state.put, key=GUILD_SYNC_KEY, value=str(guild.id))
            log.info(
                "commands live on server %s; globally only %s (they work in DMs)",
                guild.id,
                ", ".join(f"/{command.name}" for command in kept) or "none",
            )
        if previous and (guild is None or previous != str(guild.id)):
            await self.http.bulk_upsert_guild_commands(self.application_id, int(previous), payload=[])
            await self.service.write(state.put, key=f"command_tree:{previous}", value="")
            if guild is None:
                await self.service.write(state.put, key=GUILD_SYNC_KEY, value="")
            log.info("removed the commands registered on server %s by an earlier sync", previous)

    # ---- the harness contract: sweep and delivery -------------------------------------------------

    async def run_sweep(self) -> SweepReport:
        """One sweep pass as the scheduled job runs it, then delivery of what is due."""
        started, began = self.clock.now(), time.perf_counter()
        due = self._last_sweep_started + self._sweep_interval if self._last_sweep_started else started
        self._last_sweep_started = started
        report = await self.runtime.run_sweep()
        self.metrics.observe_sweep(time.perf_counter() - began, (started - due).total_seconds())
        self.last_sweep_at = self.clock.now()
        return report

    async def deliver_pending(self) -> DeliveryReport:
        """Deliver every due notification now."""
        return await self.runtime.deliver_pending()

    # ---- the web door's health checks and metrics (R24) -------------------------------------------

    @property
    def _sweep_interval(self) -> timedelta:
        return timedelta(minutes=self.settings.sweep_interval_minutes)

    def _health(self) -> HealthChecks:
        return HealthChecks(
            database=database_check(self.service),
            last_sweep=lambda: self.last_sweep_at,
            gateway=self._gateway_up,
            clock=self.clock,
            sweep_interval=self._sweep_interval,
        )

    def _gateway_up(self) -> bool:
        return self.is_ready() and not self.is_closed() and not self._gateway_lost

    async def on_disconnect(self) -> None:
        self._gateway_lost = True

    async def on_connect(self) -> None:
        self._gateway_lost = False

    async def on_resumed(self) -> None:
        self._gateway_lost = False

    def _count_delivery(self, report: DeliveryReport) -> None:
        self.metrics.dms_sent.inc(report.sent + report.fallback)
        self.metrics.dms_failed.inc(report.failed)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.application_command:
            self.metrics.command(command_name(interaction))


def command_name(interaction: discord.Interaction) -> str:
    """The slash command an interaction runs, with its group (``pack grant``)."""
    data: Any = interaction.data or {}
    parts = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # a subcommand (group)
        parts.append(str(options[0].get("name")))
        options = options[0].get("options") or []
    return " ".join(parts)


class ShardedMentorBot(MentorBot, commands.AutoShardedBot):
    """The same bot running some shards of the gateway (``SHARD_COUNT``, ``SHARD_IDS``)."""


def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    run_scheduler: bool = True,
    run_web: bool | None = None,
) -> MentorBot:
    """Build the bot (not started). ``clock`` defaults to the system clock; tests pass a ManualClock.
    ``run_web``: serve the web door (R24); by default a bot does when it runs its scheduler."""
    if settings.shard_count is not None:
        return ShardedMentorBot(
            settings,
            clock=clock,
            database=database,
            run_scheduler=run_scheduler,
            run_web=run_web,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
    return MentorBot(settings, clock=clock, database=database, run_scheduler=run_scheduler, run_web=run_web)
