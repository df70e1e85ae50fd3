"""`mentorbot sweep`: one pass for an external cron, then exit. Without a token the state still moves
on and the DMs stay queued for the bot."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from core.clock import ManualClock, SystemClock
from core.config import Settings
from core.db import open_database
from core.domain import Policy
from core.service import Service
from tests.conftest import Program


async def test_mentorbot_sweep_runs_one_pass_and_exits(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cron.db"
    # Real time: the command reads the system clock. The grace ended a day ago.
    clock = ManualClock(SystemClock().now() - timedelta(hours=100))
    service = Service(open_database(url), clock, Policy())
    await service.db.migrate()
    program = Program(service, clock)
    await program.mentor(10, seats=1)
    granted = await program.grant(20, 10, sessions=1)
    await program.complete(20, 10, key="last")
    assert (await program.seat(granted.seat_id)).status == "grace"

    settings_names = {name.upper() for name in Settings.model_fields}
    environment = {name: value for name, value in os.environ.items() if name not in settings_names}
    environment["DATABASE_URL"] = url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sweep",
        cwd=tmp_path,  # no .env there
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 0, text
    assert "DMs stay queued" in text

    assert (await program.seat(granted.seat_id)).status == "released"
    kinds = {row.kind: row.status for row in await program.notifications()}
    assert kinds == {
        "pack_complete": "pending",
        "grace_started": "pending",
        "seat_released": "pending",
        "seat_released_mentor": "pending",
    }  # no final warning: the grace had already ended
    await service.db.dispose()
