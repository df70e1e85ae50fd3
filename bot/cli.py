"""The ``mentorbot`` command: run, migrate, sync, sweep, demo, check.

Settings come from the environment and ``.env``. A bad value stops any command with one line naming
the variable and what it accepts, and exit status 2.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from core.config import Settings, SettingsError, load_settings

log = logging.getLogger("mentorbot")

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, copy its "
    "token (Bot > Reset Token) into .env as DISCORD_TOKEN=... (README.md, 'Put it on your server'). "
    "To see mentorbot without a token: make demo"
)
TOKEN_REFUSED = (
    "DISCORD_TOKEN was refused by Discord: copy a fresh token from the developer portal "
    "(your application > Bot > Reset Token) into .env."
)


def fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)


@contextmanager
def talking_to_discord() -> Iterator[None]:
    """A refused token (exit 2) or an unreachable Discord (exit 1) as one line instead of a traceback."""
    import aiohttp
    import discord

    try:
        yield
    except discord.LoginFailure:
        fail(TOKEN_REFUSED)
    except (aiohttp.ClientError, discord.GatewayNotFound) as error:
        click.echo(f"cannot reach Discord ({type(error).__name__}: {error}); check the network", err=True)
        sys.exit(1)


def where(database_url: str) -> str:
    """The database URL without its credentials, for messages."""
    return database_url.split("@")[-1]


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        fail(str(error))


def configure_logging(level: str) -> None:
    """One line per event on stdout; discord.py's own logs go through the same handler."""
    logging.basicConfig(
        level=level,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    # Request-level chatter from the libraries is noise at INFO.
    for noisy in (
        "apscheduler.executors",
        "apscheduler.scheduler",
        "alembic.runtime.migration",
        "alembic.runtime.plugins",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """mentorbot: session packs, seats and renewal reminders for a mentorship program on Discord.

    Settings come from the environment and .env (see .env.example and README.md). New here? Run
    `mentorbot demo` to watch the whole story on a simulated server.
    """


@main.command()
def run() -> None:
    """Start the bot (needs DISCORD_TOKEN). Stop it with Ctrl+C."""
    settings = settings_or_exit()
    if settings.discord_token is None:
        fail(NO_TOKEN)
    configure_logging(settings.log_level)
    from bot import create_bot

    bot = create_bot(settings)
    with talking_to_discord():
        bot.run(settings.discord_token.get_secret_value(), log_handler=None)


@main.command()
def migrate() -> None:
    """Bring the database schema to the latest migration."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    from core.db import open_database

    async def go() -> None:
        db = open_database(settings.database_url)
        try:
            await db.migrate()
        finally:
            await db.dispose()

    try:
        asyncio.run(go())
    except Exception as error:
        fail(f"database: cannot migrate {where(settings.database_url)}: {type(error).__name__}: {error}")
    click.echo("database is at the latest migration")


@main.command()
def sync() -> None:
    """Register the slash commands with Discord now (to GUILD_ID only, when set)."""
    settings = settings_or_exit()
    if settings.discord_token is None:
        fail(NO_TOKEN)
    configure_logging(settings.log_level)
    from bot import create_bot

    async def go() -> None:
        bot = create_bot(settings, run_scheduler=False)
        async with bot:
            await bot.login(settings.discord_token.get_secret_value())  # type: ignore[union-attr]
            await bot.sync_commands(force=True)

    with talking_to_discord():
        asyncio.run(go())
    click.echo("commands synced" + (f" to server {settings.guild_id}" if settings.guild_id else " globally"))


@main.command()
def sweep() -> None:
    """Run one sweep pass and deliver what is due, then exit (for an external cron)."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    from bot import create_bot
    from bot.render import sweep_summary

    async def go() -> None:
        bot = create_bot(settings, run_scheduler=False)
        async with bot:
            if settings.discord_token is None:
                # Without a token the state still moves on; the DMs stay queued for the bot.
                await bot.service.db.migrate()
                from core.sweep import sweep as sweep_once

                report = await bot.service.write(sweep_once)
                click.echo(
                    f"sweep: {sweep_summary(report)} (no DISCORD_TOKEN: DMs stay queued until the bot runs)"
                )
                return
            await bot.login(settings.discord_token.get_secret_value())
            report = await bot.run_sweep()
            click.echo(f"sweep: {sweep_summary(report)}")

    with talking_to_discord():
        asyncio.run(go())


@main.command()
@click.option(
    "--logs", is_flag=True, help="Also print the bot's log lines (at INFO), between the transcript's."
)
def demo(logs: bool) -> None:
    """The whole story on a simulated Discord server: no token, no network, a few seconds.

    It ignores the environment and .env: the story always runs on the default settings.
    """
    try:
        from bot.demo import run_demo
    except ImportError as error:  # pragma: no cover - simcord is a dev/demo extra
        fail(f"the demo needs SimCord: pip install 'mentorbot[demo]' ({error})")
    if logs:
        configure_logging("INFO")
    asyncio.run(run_demo())


@main.command()
def check() -> None:
    """Check the settings, that the database answers, and that it is at the latest migration."""
    settings = settings_or_exit()
    click.echo("settings: ok")
    from core.db import open_database
    from core.migrate import current_revision, head_revision

    async def go() -> tuple[str | None, str | None]:
        db = open_database(settings.database_url)
        try:
            current = await db.read(current_revision)
        finally:
            await db.dispose()
        return current, head_revision()

    try:
        current, head = asyncio.run(go())
    except Exception as error:
        fail(f"database: cannot reach {where(settings.database_url)}: {type(error).__name__}: {error}")
    if current != head:
        fail(f"database: at migration {current or 'none'}, latest is {head}; run `mentorbot migrate`")
    click.echo(f"database: ok, at the latest migration ({head})")
    click.echo("token: set" if settings.discord_token else "token: not set (needed for `run`, `sync`)")


if __name__ == "__main__":  # pragma: no cover
    main()
