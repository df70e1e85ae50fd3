"""Several OS processes deliver from one PostgreSQL database at once: claims with a lease and
``FOR UPDATE SKIP LOCKED`` split the work, and no notification is sent twice or left behind."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from core.db import open_database
from core.domain import NotificationKind, NotificationStatus
from core.schema import notifications
from tests.conftest import GUILD, START, TEST_DATABASE_URL, Store
from tests.processes.zygote import REPO

PROCESSES = 4
NOTIFICATIONS = 10_000

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def pg_store() -> AsyncIterator[Store]:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    place = Store(TEST_DATABASE_URL, schema=f"t_{uuid.uuid4().hex[:12]}")
    database = place.open()
    await database.migrate()
    await database.dispose()
    yield place
    admin = open_database(TEST_DATABASE_URL)
    try:
        await admin.write(lambda c: c.execute(text(f'DROP SCHEMA IF EXISTS "{place.schema}" CASCADE')))
    finally:
        await admin.dispose()


async def worker(store: Store) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.processes.drain_worker",
        store.url,
        str(store.schema),
        START.isoformat(),
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_four_processes_drain_10000_due_notifications_once_each(pg_store: Store) -> None:
    database = pg_store.open()
    rows = [
        {
            "guild_id": GUILD,
            "key": f"drain:{index}",
            "kind": NotificationKind.SESSION_BOOKED.value,
            "recipient_id": 1_000_000 + index,
            "body": f"notification {index}",
            "status": NotificationStatus.PENDING.value,
            "due_at": START,
            "next_attempt_at": START,
            "created_at": START,
        }
        for index in range(NOTIFICATIONS)
    ]
    await database.write(lambda c: c.execute(insert(notifications), rows))

    processes = [await worker(pg_store) for _ in range(PROCESSES)]
    results: list[dict[str, Any]] = []
    try:
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line == b"ready\n", line
        for process in processes:  # all due at once, all processes go at once
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        for process in processes:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), 240)
            results.append(json.loads(line))
            assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    sends = Counter(notification_id for result in results for notification_id in result["sent"])
    total = sum(sends.values())
    duplicates = total - len(sends)
    left, sent = await database.read(
        lambda c: c.execute(
            select(
                func.count().filter(notifications.c.status == NotificationStatus.PENDING.value),
                func.count().filter(notifications.c.status == NotificationStatus.SENT.value),
            )
        ).one()
    )
    await database.dispose()
    shares = [len(result["sent"]) for result in results]
    print(
        f"\n{PROCESSES} processes on PostgreSQL drained {NOTIFICATIONS} due notifications: "
        f"{total} sends, {duplicates} duplicates, {left} left (per process: {shares}); "
        f"{sent} marked sent"
    )
    assert total == NOTIFICATIONS
    assert duplicates == 0
    assert left == 0
    assert sent == NOTIFICATIONS
    assert sum(result["report"]["sent"] for result in results) == NOTIFICATIONS
    assert sum(1 for share in shares if share) >= 2  # the work was split, not done by one
