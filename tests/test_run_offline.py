"""`mentorbot run` while Discord is out of reach: it waits the outage out, trying again with waits that
double up to a cap, logging each attempt; SIGTERM or Ctrl+C stops it cleanly (exit 0). A refused token
still ends it at once with its one line (exit 2).

It used to exit 1 within a second, so a bot started before the network was up stayed down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from click.testing import CliRunner

from bot import runner
from bot.cli import main
from core.config import Settings
from tests.processes.zygote import REPO

TOKEN = "MTQ1NjA3NDQ0Mzk4.fake-token.for-the-tests-9f3b2c"
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
ATTEMPT = re.compile(
    r"WARNING bot\.runner: cannot reach Discord \(attempt (\d+): (\w+): .*\); trying again in ([\d.]+)s$"
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def offline_run(tmp_path: Path) -> asyncio.subprocess.Process:
    environment = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    environment |= {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db"}
    environment["PYTHONPATH"] = str(REPO)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.processes.offline_run",
        str(closed_port()),
        cwd=tmp_path,  # no .env there
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def lines_until(process: asyncio.subprocess.Process, attempts: int) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while sum(bool(ATTEMPT.search(line)) for line in lines) < attempts:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        if not line:
            await process.wait()  # it exited
            break
        lines.append(line.decode().rstrip("\n"))
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_run_keeps_trying_while_discord_is_out_of_reach_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    process = await offline_run(tmp_path)
    try:
        lines = await lines_until(process, attempts=4)
        still_running = process.returncode is None
        if still_running:
            process.send_signal(stop)
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
    output = lines + rest.decode().splitlines()

    assert still_running, "\n".join(output)
    attempts = [ATTEMPT.search(line) for line in output if ATTEMPT.search(line)]
    assert [(found[1], found[3]) for found in attempts[:4]] == [  # type: ignore[index]
        ("1", "0.2"),
        ("2", "0.4"),
        ("3", "0.4"),  # the cap
        ("4", "0.4"),
    ]
    assert all(found[2] == "ClientConnectorError" for found in attempts)  # type: ignore[index]
    assert process.returncode == 0, "\n".join(output)
    assert output[-1].endswith(f"INFO    bot.runner: stopped ({stop.name})")
    assert not any("Traceback" in line for line in output), "\n".join(output)
    assert all(TOKEN not in line for line in output)


def test_a_refused_token_after_an_outage_still_ends_the_run_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage: list[BaseException] = [
        aiohttp.ClientConnectionError("Cannot connect to host discord.com:443"),
        discord.DiscordServerError(SimpleNamespace(status=503, reason="Service Unavailable"), "upstream"),
        discord.GatewayNotFound(),
        TimeoutError(),
    ]

    async def login(self: object, token: str) -> None:
        if outage:
            raise outage.pop(0)
        raise discord.LoginFailure("Improper token has been passed.")

    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/run.db")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr(discord.http.HTTPClient, "static_login", login)
    monkeypatch.setattr(runner, "FIRST_WAIT_S", 0.01)
    monkeypatch.setattr(runner, "LONGEST_WAIT_S", 0.03)

    result = CliRunner().invoke(main, ["run"])

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "DISCORD_TOKEN was refused by Discord: copy a fresh token from the developer portal "
        "(your application > Bot > Reset Token) into .env."
    ]
    attempts = [found.groups() for line in result.stdout.splitlines() if (found := ATTEMPT.search(line))]
    assert attempts == [
        ("1", "ClientConnectionError", "0.01"),
        ("2", "DiscordServerError", "0.02"),
        ("3", "GatewayNotFound", "0.03"),
        ("4", "TimeoutError", "0.03"),
    ]
    assert TOKEN not in result.output


def test_waits_double_up_to_five_minutes() -> None:
    delays = runner.waits(runner.FIRST_WAIT_S, runner.LONGEST_WAIT_S)
    assert [next(delays) for _ in range(11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
