"""The `mentorbot` command as a newcomer meets it: help, bad settings, no token, the database checks.

Every test runs in an empty working directory with no mentorbot variable in the environment (a
developer's own `.env` or `DISCORD_TOKEN` must not leak in), on a SQLite file of its own.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from core.clock import ManualClock, SystemClock
from core.config import Settings
from core.db import open_database
from core.domain import Policy
from core.migrate import head_revision
from core.service import Service
from tests.conftest import Program

HEAD = head_revision()  # the latest migration, whatever its number

COMMANDS = ("run", "migrate", "sync", "sweep", "demo", "check")
SETTING_NAMES = [name.upper() for name in Settings.model_fields]
TOKEN = "MTQ1NjA3NDQ0Mzk4.fake-token.for-the-tests-9f3b2c"


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and a clean environment, with DATABASE_URL on a file in it."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/mentorbot.db")
    return tmp_path


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Commands configure the root logger for their process; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def mentorbot(place: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed `mentorbot` script in a child process, in ``place``, with only ``env`` set."""
    clean = {key: value for key, value in os.environ.items() if key not in SETTING_NAMES}
    clean["DATABASE_URL"] = f"sqlite+aiosqlite:///{place}/mentorbot.db"
    clean.update(env)
    script = shutil.which("mentorbot", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "bot.cli"]
    return subprocess.run(
        [*command, *args], cwd=place, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


# ---- help ------------------------------------------------------------------------------------------


def test_the_group_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f"  {command} " in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {command}") or f"mentorbot {command}" in result.output
    assert len(result.output.splitlines()) >= 4  # usage, a sentence, options


def test_version_names_the_installed_package() -> None:
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"mentorbot {importlib.metadata.version('mentorbot')}\n"


# ---- bad settings: one line, exit status 2 ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "variable", "value", "accepts"),
    [
        ("check", "PACK_SIZE", "99", "from 1 to 52"),
        ("run", "PACK_SIZE", "99", "from 1 to 52"),
        ("migrate", "LOG_LEVEL", "loud", "DEBUG, INFO"),
        ("sweep", "DATABASE_URL", "mysql://localhost/x", "postgresql+asyncpg://"),
        ("check", "FINAL_WARNING_HOURS", "80", "GRACE_PERIOD_HOURS"),
        ("sync", "GUILD_ID", "my-server", "a Discord server id"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_status_2(
    place: Path, command: str, variable: str, value: str, accepts: str
) -> None:
    done = mentorbot(place, command, **{variable: value})
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert variable in lines[0]
    assert accepts in lines[0]


def test_a_bad_setting_in_dot_env_is_reported_too(place: Path) -> None:
    (place / ".env").write_text("PACK_VALID_DAYS=1000\n")
    result = invoke("check")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("PACK_VALID_DAYS=")
    assert lines[0].endswith("is not valid: it accepts a whole number of days from 1 to 730.")


# ---- no token ----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "sync"])
def test_without_a_token_run_and_sync_say_how_to_get_one(place: Path, command: str) -> None:
    done = mentorbot(place, command)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("DISCORD_TOKEN is not set")
    assert "https://discord.com/developers/applications" in lines[0]
    assert "Reset Token" in lines[0]
    assert "make demo" in lines[0]


def test_a_refused_token_is_one_line_exit_2_and_never_shown(
    place: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def refuse(self: object, token: str) -> None:
        logging.getLogger("discord.http").debug("GET /users/@me has returned 401")
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refuse)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    result = invoke("run")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "DISCORD_TOKEN was refused by Discord: copy a fresh token from the developer portal "
        "(your application > Bot > Reset Token) into .env."
    ]
    assert "logging in using static token" in result.stdout  # the log ran at DEBUG ...
    assert TOKEN not in result.output + capsys.readouterr().out  # ... and never showed the token


def test_discord_out_of_reach_is_one_line_exit_1(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(self: object, token: str) -> None:
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", unreachable)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    result = invoke("sync")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "cannot reach Discord (ClientConnectionError: Cannot connect to host discord.com:443); check the network"
    ]
    assert TOKEN not in result.output


def test_a_taken_web_port_is_one_line_exit_2(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def login(self: discord.Client, token: str) -> None:
        await self.setup_hook()  # as discord.py does once the token is accepted

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        monkeypatch.setattr(discord.Client, "login", login)
        monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
        monkeypatch.setenv("WEB_PORT", str(port))
        result = invoke("run")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"The web door cannot listen on 127.0.0.1:{port}: another program is using port {port}. "
        "Set WEB_PORT to a free port (0 picks one), or stop the other program."
    ]
    assert TOKEN not in result.output


# ---- the database ------------------------------------------------------------------------------------


def test_check_wants_the_latest_migration_and_migrate_says_what_it_did(place: Path) -> None:
    before = invoke("check")
    assert before.exit_code == 2
    assert before.stdout.splitlines()[0] == "settings: ok"
    assert before.stderr.strip() == (
        f"database: {place / 'mentorbot.db'} does not exist yet; `mentorbot migrate` (or the first `run`) creates it"
    )

    migrated = invoke("migrate")
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout.strip().splitlines()[-1] == f"database: migrated from an empty database to {HEAD}"
    again = invoke("migrate")
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().splitlines()[-1] == f"database: already at the latest migration ({HEAD})"

    after = invoke("check")
    assert after.exit_code == 0, after.output
    lines = after.stdout.splitlines()
    assert lines[0] == "settings: ok"
    assert lines[-2:] == [
        f"database: ok, at the latest migration ({HEAD})",
        "token: not set (needed for `run`, `sync`)",
    ]


def test_check_names_a_database_without_migrations(place: Path) -> None:
    sqlite3.connect(place / "mentorbot.db").close()  # an empty file, as an old tool might leave it
    result = invoke("check")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"database: at migration none, latest is {HEAD}; run `mentorbot migrate`"


def test_check_creates_nothing_and_shows_each_setting_with_where_it_came_from(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (place / ".env").write_text(f"PACK_SIZE=5\nDISCORD_TOKEN={TOKEN}\nGRACE_PERIOD_HOURS=30\n")
    monkeypatch.setenv("GRACE_PERIOD_HOURS", "48")  # the environment wins over .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{place}/data/sub/mentorbot.db")
    result = invoke("check")
    assert result.exit_code == 2  # no database yet ...
    assert list(place.iterdir()) == [place / ".env"]  # ... and check made neither it nor its folders
    shown = {
        line.split("=", 1)[0].strip(): (
            line.split("=", 1)[1].rsplit("(", 1)[0].strip(),
            line.rsplit("(", 1)[1],
        )
        for line in result.stdout.splitlines()[1:]
    }
    assert list(shown) == SETTING_NAMES
    assert shown["PACK_SIZE"] == ("5", ".env)")
    assert shown["GRACE_PERIOD_HOURS"] == ("48", "environment)")
    assert shown["DATABASE_URL"][1] == "environment)"
    assert shown["PACK_VALID_DAYS"] == ("90", "default)")
    assert shown["NO_SHOW_COUNTS"] == ("true", "default)")
    assert shown["DISCORD_TOKEN"] == ("(hidden)", ".env)")
    assert TOKEN not in result.output


def test_check_hides_a_database_password(place: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://mentor:hunter2@127.0.0.1:1/mentorbot")
    result = invoke("check")
    assert "hunter2" not in result.output
    assert "DATABASE_URL=postgresql+asyncpg://mentor:***@127.0.0.1:1/mentorbot" in result.stdout


@pytest.mark.parametrize("command", ["check", "run", "migrate", "sweep", "sync"])
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PAKC_SIZE=6", ".env line 2: PAKC_SIZE is not a setting; did you mean PACK_SIZE?"),
        (f"DISCORD_TOKN={TOKEN}", ".env line 2: DISCORD_TOKN is not a setting; did you mean DISCORD_TOKEN?"),
    ],
)
def test_a_dot_env_line_that_is_no_setting_stops_every_command_naming_the_line(
    place: Path, command: str, line: str, expected: str
) -> None:
    (place / ".env").write_text(f"LOG_LEVEL=INFO\n{line}\n")
    result = invoke(command)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [expected]
    assert not (place / "mentorbot.db").exists()


def test_check_names_an_unreachable_database_without_its_password(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://mentor:hunter2@127.0.0.1:1/mentorbot")
    result = invoke("check")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("database: cannot reach 127.0.0.1:1/mentorbot: ")
    assert "hunter2" not in result.output


def test_sweep_without_a_token_moves_the_state_and_keeps_the_dms(place: Path) -> None:
    result = invoke("sweep")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(
        "sweep: nothing due (no DISCORD_TOKEN: DMs stay queued in the database until the bot runs)"
    )
    assert (place / "mentorbot.db").exists()


async def seat_whose_grace_ended(url: str) -> int:
    """A seat whose grace ended an hour ago by the machine's clock (the one `mentorbot` runs on)."""
    db = open_database(url)
    try:
        await db.migrate()
        clock = ManualClock(SystemClock().now() - timedelta(hours=73))
        program = Program(Service(db, clock, Policy()), clock)
        await program.mentor(seats=1)
        granted = await program.grant(sessions=1)
        await program.complete()
        return granted.seat_id
    finally:
        await db.dispose()


async def seat_and_outbox(url: str, seat_id: int) -> tuple[str, list[tuple[str, str]]]:
    db = open_database(url)
    try:
        clock = ManualClock(SystemClock().now())
        program = Program(Service(db, clock, Policy()), clock)
        seat = await program.seat(seat_id)
        return seat.status, [(row.kind, row.status) for row in await program.notifications()]
    finally:
        await db.dispose()


def test_sweep_with_discord_out_of_reach_sweeps_queues_and_says_the_dms_wait(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{place}/mentorbot.db"
    seat_id = asyncio.run(seat_whose_grace_ended(url))

    async def unreachable(self: object, token: str) -> None:
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", unreachable)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    result = invoke("sweep")
    assert result.exit_code == 0, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith(f"sweep: seats released: {seat_id}; notifications queued: ")
    assert line.endswith(
        "(Discord out of reach, ClientConnectionError: Cannot connect to host discord.com:443; "
        "DMs stay queued in the database until the next delivery)"
    )
    assert TOKEN not in result.output
    status, outbox = asyncio.run(seat_and_outbox(url, seat_id))
    assert status == "released"
    assert ("seat_released", "pending") in outbox
    assert all(state == "pending" for _, state in outbox)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sweep_from_cron_prints_only_its_summary_and_still_shows_what_went_wrong(
    place: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cron mails whatever a job prints: the login line of discord.py (and the bot's own start line)
    came with every run. Warnings still show, on stderr."""
    url = f"sqlite+aiosqlite:///{place}/mentorbot.db"
    seat_id = asyncio.run(seat_whose_grace_ended(url))

    request = discord.http.HTTPClient.request

    async def who_am_i(self: discord.http.HTTPClient, route: discord.http.Route, **options: Any) -> Any:
        if route.path == "/users/@me":  # the login: Discord knows the token
            logging.getLogger("discord.http").info("logged in (as the real one would say at INFO)")
            return {
                "id": "1456074443980800001",
                "username": "mentorbot",
                "discriminator": "0",
                "avatar": None,
            }
        return await request(self, route, **options)

    async def application(self: object) -> SimpleNamespace:
        return SimpleNamespace(id=1456074443980800001, interactions_endpoint_url=None, flags=None)

    monkeypatch.setattr(discord.http.HTTPClient, "request", who_am_i)
    monkeypatch.setattr(discord.Client, "application_info", application)
    # Logged in, but every DM fails: a warning that must not be hidden.
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    result = invoke("sweep")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert lines[0].startswith(f"sweep: seats released: {seat_id}; notifications queued: ")
    assert "logging in using static token" not in result.output
    assert "logged in" not in result.output
    assert "ready to start" not in result.output
    assert "will retry" in result.stderr  # the DMs that could not go out
    assert TOKEN not in result.output


def test_env_example_copied_as_dot_env_is_a_valid_start(place: Path) -> None:
    """README: `cp .env.example .env` is the first step; every line of it must be a setting."""
    shutil.copy(Path(__file__).resolve().parent.parent / ".env.example", place / ".env")
    result = invoke("check")
    assert result.stdout.splitlines()[0] == "settings: ok", result.stderr
    assert "DATABASE_URL=sqlite+aiosqlite:///" in result.stdout
