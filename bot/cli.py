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

from core.config import Settings, load_settings, origins
from core.registry import SettingsError

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


def configure_logging(level: str, *, one_shot: bool = False) -> None:
    """One line per event on stdout; discord.py's own logs go through the same handler.

    A one-shot command (``migrate``, ``sync``, ``sweep``: run by hand or from cron, which mails what
    it prints) prints its own result on stdout and nothing else there: its log lines go to stderr,
    and only from WARNING on, so the login line and the bot's start line stay out of it while
    failures still show. ``LOG_LEVEL=DEBUG`` shows everything, for looking into a problem.
    """
    threshold = logging.getLevelName(level)
    if one_shot and threshold != logging.DEBUG:
        threshold = max(logging.WARNING, threshold)
    logging.basicConfig(
        level=threshold,
        stream=sys.stderr if one_shot else sys.stdout,
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
        logging.getLogger(noisy).setLevel(max(logging.WARNING, threshold))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mentorbot", prog_name="mentorbot", message="%(prog)s %(version)s")
def main() -> None:
    """mentorbot: session packs, seats and renewal reminders for a mentorship program on Discord.

    Settings come from the environment and .env (see .env.example and README.md). New here? Run
    `mentorbot demo` to watch the whole story on a simulated server.
    """


@main.command()
def run() -> None:
    """Start the bot (needs DISCORD_TOKEN). Stop it with Ctrl+C (or SIGTERM).

    While Discord cannot be reached it keeps trying, logging each attempt, the waits doubling up to
    five minutes; a token Discord refuses, or a web port (WEB_PORT) it cannot take, stops it with
    exit status 2.
    """
    settings = settings_or_exit()
    if settings.discord_token is None:
        fail(NO_TOKEN)
    configure_logging(settings.log_level)
    from bot import create_bot
    from bot.runner import run_until_stopped
    from bot.web import WebDoorUnavailable

    token = settings.discord_token.get_secret_value()
    with talking_to_discord():
        try:
            asyncio.run(run_until_stopped(lambda: create_bot(settings), token))
        except WebDoorUnavailable as error:  # e.g. WEB_PORT taken: one line, exit 2
            fail(str(error))


@main.command()
def migrate() -> None:
    """Bring the database schema to the latest migration, and say what that took."""
    settings = settings_or_exit()
    configure_logging(settings.log_level, one_shot=True)
    from core.db import Migration, open_database

    async def go() -> Migration:
        db = open_database(settings.database_url)
        try:
            return await db.migrate()
        finally:
            await db.dispose()

    try:
        done = asyncio.run(go())
    except Exception as error:
        fail(f"database: cannot migrate {where(settings.database_url)}: {type(error).__name__}: {error}")
    if done.changed:
        click.echo(f"database: migrated from {done.before or 'an empty database'} to {done.after}")
    else:
        click.echo(f"database: already at the latest migration ({done.after})")


@main.command()
def sync() -> None:
    """Register the slash commands with Discord now (to GUILD_ID only, when set)."""
    settings = settings_or_exit()
    if settings.discord_token is None:
        fail(NO_TOKEN)
    configure_logging(settings.log_level, one_shot=True)
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
    """Run one sweep pass and deliver what is due, then exit (for an external cron).

    The sweep moves the database on even when Discord cannot be reached (or no token is set): what it
    queues waits in the database for the next delivery.
    """
    settings = settings_or_exit()
    configure_logging(settings.log_level, one_shot=True)
    import aiohttp
    import discord

    from bot import create_bot
    from core.runtime import sweep_summary
    from core.sweep import sweep as sweep_once

    async def go() -> str:
        bot = create_bot(settings, run_scheduler=False)
        async with bot:
            await bot.service.db.migrate()
            summary = sweep_summary(await bot.service.write(sweep_once))
            if settings.discord_token is None:
                return (
                    f"sweep: {summary} (no DISCORD_TOKEN: DMs stay queued in the database until the bot runs)"
                )
            try:
                await bot.login(settings.discord_token.get_secret_value())
            except (aiohttp.ClientError, discord.GatewayNotFound, OSError) as error:
                return (
                    f"sweep: {summary} (Discord out of reach, {type(error).__name__}: {error}; "
                    "DMs stay queued in the database until the next delivery)"
                )
            await bot.deliver_pending()
            return f"sweep: {summary}"

    with talking_to_discord():
        click.echo(asyncio.run(go()))


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
    """Check the settings (and show where each came from), that the database answers, and that it is
    at the latest migration. Creates nothing: no database file, no folder."""
    settings = settings_or_exit()
    click.echo("settings: ok")
    for line in settings_in_force(settings):
        click.echo(line)
    from core.migrate import head_revision

    try:
        current = asyncio.run(database_revision(settings.database_url))
    except MissingDatabase as missing:
        fail(f"database: {missing} does not exist yet; `mentorbot migrate` (or the first `run`) creates it")
    except Exception as error:
        fail(f"database: cannot reach {where(settings.database_url)}: {type(error).__name__}: {error}")
    head = head_revision()
    if current != head:
        fail(f"database: at migration {current or 'none'}, latest is {head}; run `mentorbot migrate`")
    click.echo(f"database: ok, at the latest migration ({head})")
    click.echo("token: set" if settings.discord_token else "token: not set (needed for `run`, `sync`)")


def settings_in_force(settings: Settings) -> list[str]:
    """One line per setting: its value (the token hidden, a database password too) and its source."""
    from sqlalchemy.engine import make_url

    sources = origins()
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "discord_token":
            shown = "(hidden)" if value is not None else ""
        elif name == "database_url":
            shown = make_url(value).render_as_string(hide_password=True)
        elif isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, list):
            shown = ",".join(str(item) for item in value)
        else:
            shown = "" if value is None else str(value)
        rows.append((f"{name.upper()}={shown}", sources[name]))
    width = max(len(text) for text, _ in rows)
    return [f"  {text.ljust(width)}  ({source})" for text, source in rows]


class MissingDatabase(Exception):
    """The SQLite file the settings name is not there (yet)."""


async def database_revision(database_url: str) -> str | None:
    """The migration the database is at, without creating anything: a missing SQLite file is
    ``MissingDatabase``, not an empty new file (which opening it through the engine would make)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return sqlite_revision(url.database)
    from core.db import open_database
    from core.migrate import current_revision

    db = open_database(database_url)
    try:
        return await db.read(current_revision)
    finally:
        await db.dispose()


def sqlite_revision(database: str | None) -> str | None:
    import sqlite3
    from pathlib import Path

    if not database or database == ":memory:":
        return None  # an in-memory database starts empty every time
    path = Path(database).expanduser()
    if not path.is_file():
        raise MissingDatabase(str(path))
    # Read-only; without a WAL file beside it, as immutable, so SQLite makes no -wal/-shm file either.
    mode = "ro" if Path(f"{path}-wal").exists() else "ro&immutable=1"
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
    try:
        found = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if found is None:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        connection.close()


if __name__ == "__main__":  # pragma: no cover
    main()
