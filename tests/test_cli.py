"""The `mentorbot` command as a newcomer meets it: help, bad settings, no token, the database checks.

Every test runs in an empty working directory with no mentorbot variable in the environment (a
developer's own `.env` or `DISCORD_TOKEN` must not leak in), on a SQLite file of its own.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import discord
import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from core.config import Settings

COMMANDS = ("run", "migrate", "sync", "sweep", "demo", "check")
SETTING_NAMES = tuple(name.upper() for name in Settings.model_fields)
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


# ---- the database ------------------------------------------------------------------------------------


def test_check_wants_the_latest_migration_and_migrate_brings_it(place: Path) -> None:
    before = invoke("check")
    assert before.exit_code == 2
    assert before.stdout == "settings: ok\n"
    assert before.stderr.strip() == "database: at migration none, latest is 0002; run `mentorbot migrate`"

    migrated = invoke("migrate")
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout.strip().endswith("database is at the latest migration")

    after = invoke("check")
    assert after.exit_code == 0, after.output
    assert after.stdout.splitlines() == [
        "settings: ok",
        "database: ok, at the latest migration (0002)",
        "token: not set (needed for `run`, `sync`)",
    ]


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
        "sweep: nothing due (no DISCORD_TOKEN: DMs stay queued until the bot runs)"
    )
    assert (place / "mentorbot.db").exists()
