"""R21 across OS processes: students in several processes on PostgreSQL taking the same slots at once
end with one booking per slot; each of the others is told the slot was just taken."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from core import hours
from core.domain import Actor
from core.schema import sessions
from tests.conftest import GUILD, START, Program, Store
from tests.processes.zygote import REPO

MENTOR = 10
SLOTS = [datetime(2026, 1, 13, hour, tzinfo=UTC) for hour in (9, 10)]
STUDENTS = range(100, 106)  # three processes on each slot


async def worker(store: Store, student: int, at: datetime) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.processes.book_worker",
        store.url,
        str(store.schema),
        START.isoformat(),
        str(student),
        str(MENTOR),
        at.isoformat(),
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert line == b"ready\n", line
    return process


async def outcome(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"go\n")
    await process.stdin.drain()
    return dict(json.loads(await asyncio.wait_for(process.stdout.readline(), 60)))


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_students_in_several_processes_taking_the_same_slots_book_each_once(
    program: Program, store: Store
) -> None:
    assert program.guild_id == GUILD
    await program.mentor(MENTOR, seats=10)
    await program.service.write(
        hours.add_window, guild_id=GUILD, actor=Actor(MENTOR), day="tue", start="09:00", end="11:00"
    )
    for student in STUDENTS:
        await program.grant(student, MENTOR)
    processes = [await worker(store, student, SLOTS[index % 2]) for index, student in enumerate(STUDENTS)]
    try:
        results = await asyncio.gather(*(outcome(process) for process in processes))
        for process in processes:
            assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert len([result for result in results if "session" in result]) == 2
    told = [result for result in results if "refused" in result]
    assert [result["refused"] for result in told] == ["taken"] * 4
    assert all("it was just taken" in result["message"] for result in told)
    booked = await program.rows(select(sessions.c.starts_at).where(sessions.c.status == "scheduled"))
    assert sorted(row.starts_at for row in booked) == SLOTS
