"""The composition root: ``create_bot`` wires the settings, clock, database, the runtime (sweep and
delivery, ``core.runtime``) with its Discord sender, and the scheduler's ticks into one discord.py bot.
Tests, the demo and the CLI all come through this door.

``MentorBot`` is the kit's ``Host`` (``bot.kit.host``, which holds the one path every command takes)
with everything built in. It imports no feature: it loads each by name (``FEATURES``), and each
feature's ``setup`` adds its commands, its buttons and the DM buttons it owns.

Once started (discord.py runs ``setup_hook``): the schema is migrated, the features are loaded, the
command tree is synced if it changed since the last sync, the purchases made while the bot was down
are placed, and the scheduler runs the sweep and delivery (``bot.scheduler``).
"""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord.ext import commands

from bot.kit import pages
from bot.kit.delivery import DiscordSender
from bot.kit.errors import install_error_handler
from bot.kit.host import Host
from bot.kit.interaction import remember_locales
from bot.kit.translator import CatalogTranslator, localizable
from bot.scheduler import Ticks
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
FEATURES = ("sessions", "packs", "seats", "waitlist", "purchases", "settings", "insight")


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
        self.ticks: Ticks | None = None
        if run_scheduler:
            self.ticks = Ticks(
                settings, self.clock, sweep=self.runtime.run_sweep, deliver=self.runtime.deliver_pending
            )
            self.runtime.wake_at = self.ticks.wake_at
        # Installed here, not in setup_hook, so a harness that wraps ``tree.on_error`` when it attaches
        # (SimCord records every app-command error that way) still sees the errors this handler answers.
        install_error_handler(self)

    # ---- start and stop ---------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        await self.service.db.migrate()
        await self.tree.set_translator(CatalogTranslator())  # R25: descriptions in es and pt-BR too
        for name in FEATURES:
            await self.load_extension(f"bot.features.{name}")
        localizable(self.tree)
        remember_locales(self, self.service)
        pages.install(self)
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
        if self.ticks is not None:
            self.ticks.stop()
        await super().close()
        await self.service.db.dispose()

    # ---- commands sync ----------------------------------------------------------------------------

    async def _tree_digest(self, guild: discord.abc.Snowflake | None) -> str:
        """What a sync sends, translations included (a changed translation is a change to sync)."""
        translator = self.tree.translator
        payload = [
            await command.get_translated_payload(self.tree, translator)
            if translator is not None
            else command.to_dict(self.tree)
            for command in self.tree.get_commands(guild=guild)
        ]
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register the slash commands with Discord (to ``GUILD_ID`` only, when set) if the command tree
        changed since the last sync, or when forced. Returns whether it synced.

        Discord shows a server both its own and the global registrations, so each mode removes the
        other's: a sync to ``GUILD_ID`` empties the global list, and a global sync empties the list of
        the server the last guild sync went to."""
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
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

    async def _remove_other_registration(self, guild: discord.abc.Snowflake | None) -> None:
        assert self.application_id is not None  # tree.sync above needed it too
        previous = await self.service.read(state.get, key=GUILD_SYNC_KEY)
        if guild is not None:
            await self.http.bulk_upsert_global_commands(self.application_id, payload=[])
            # The global list is empty now: a later global sync must not skip as "unchanged".
            await self.service.write(state.put, key="command_tree:global", value="")
            await self.service.write(state.put, key=GUILD_SYNC_KEY, value=str(guild.id))
            log.info("removed the global registration: commands live on server %s only", guild.id)
        if previous and (guild is None or previous != str(guild.id)):
            await self.http.bulk_upsert_guild_commands(self.application_id, int(previous), payload=[])
            await self.service.write(state.put, key=f"command_tree:{previous}", value="")
            if guild is None:
                await self.service.write(state.put, key=GUILD_SYNC_KEY, value="")
            log.info("removed the commands registered on server %s by an earlier sync", previous)

    # ---- the harness contract: sweep and delivery -------------------------------------------------

    async def run_sweep(self) -> SweepReport:
        """One sweep pass as the scheduled job runs it, then delivery of what is due."""
        return await self.runtime.run_sweep()

    async def deliver_pending(self) -> DeliveryReport:
        """Deliver every due notification now."""
        return await self.runtime.deliver_pending()


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
