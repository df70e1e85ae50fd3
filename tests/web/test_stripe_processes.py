"""Stripe's webhook (R23) served by two OS processes on one PostgreSQL database (R24): the same
checkouts delivered to both at once grant one pack each."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.web import stripe_path
from core.schema import packs, purchases
from tests.conftest import GUILD, START, Program, Store
from tests.processes.zygote import REPO
from tests.web.stripe_helpers import SECRET, checkout, signed

STUDENTS = range(20, 26)


async def serving(store: Store) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.processes.stripe_worker",
        store.url,
        str(store.schema),
        START.isoformat(),
        SECRET,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    return process, str(json.loads(line)["url"])


async def deliver(http: aiohttp.ClientSession, url: str, event: dict[str, Any]) -> tuple[int, str]:
    body = json.dumps(event).encode()
    async with http.post(f"{url}{stripe_path(GUILD)}", data=body, headers=signed(body, START)) as response:
        return response.status, (await response.json())["outcome"]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_processes_given_the_same_checkouts_at_once_grant_one_pack_each(
    program: Program, store: Store, http: aiohttp.ClientSession
) -> None:
    await program.mentor(seats=len(STUDENTS))
    for student in STUDENTS:
        await program.grant(student=student, sessions=1)
        await program.complete(student=student)  # each seat in grace
    workers = [await serving(store) for _ in range(2)]
    try:
        events = [
            # Session ids as long as Stripe's (66 characters).
            checkout(GUILD, student, checkout_id=f"cs_live_{student:058d}", payment_intent=f"pi_{student}")
            for student in STUDENTS
        ]
        answers = await asyncio.gather(
            *(deliver(http, url, event) for event in events for _, url in workers for _ in range(2))
        )
    finally:
        for process, _ in workers:
            assert process.stdin is not None
            process.stdin.close()
            await asyncio.wait_for(process.wait(), 30)
    assert {status for status, _ in answers} == {200}
    outcomes = [outcome for _, outcome in answers]
    assert outcomes.count("placed") == len(STUDENTS)
    assert outcomes.count("duplicate") == 3 * len(STUDENTS)
    (bought,) = await program.rows(select(func.count()).select_from(purchases))
    assert bought[0] == len(STUDENTS)
    renewals = await program.rows(select(packs).where(packs.c.status == "active"))
    assert sorted(pack.seat_id for pack in renewals) == sorted({pack.seat_id for pack in renewals})
    assert len(renewals) == len(STUDENTS)
