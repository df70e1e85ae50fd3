"""Two `mentorbot migrate` at once on one PostgreSQL database: the migration lock lets one migrate
while the other waits, and only the one that migrated says so; the other says the schema was
already at the latest migration.

Both used to say "migrated from an empty database": each read the revision before taking the lock.
The test holds the lock itself until both processes wait on it, so they always meet there.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from core.config import Settings
from core.db import MIGRATION_LOCK_KEY
from core.migrate import head_revision
from tests.conftest import TEST_DATABASE_URL
from tests.processes.zygote import REPO

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SETTING_NAMES = {name.upper() for name in Settings.model_fields}


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    """A PostgreSQL database of its own (the command migrates the default schema of the database it
    is given), dropped afterwards."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"t_migrate_{uuid.uuid4().hex[:10]}"
    server = create_async_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await server.dispose()


async def migrate(url: str) -> asyncio.subprocess.Process:
    environment = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    environment["DATABASE_URL"] = url
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "migrate",
        cwd=REPO,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def waiting_on_the_lock(connection: AsyncConnection, name: str) -> int:
    found = await connection.execute(
        text(
            "SELECT count(*) FROM pg_locks JOIN pg_database ON pg_database.oid = pg_locks.database "
            "WHERE pg_locks.locktype = 'advisory' AND NOT pg_locks.granted AND pg_database.datname = :name"
        ),
        {"name": name},
    )
    return int(found.scalar_one())


async def test_of_two_migrates_at_once_only_the_one_that_migrated_says_so(empty_database: str) -> None:
    name = make_url(empty_database).database
    assert name is not None
    holder = create_async_engine(empty_database, isolation_level="AUTOCOMMIT")
    try:
        async with holder.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            processes = [await migrate(empty_database), await migrate(empty_database)]
            deadline = time.monotonic() + 60
            while await waiting_on_the_lock(connection, name) < 2:
                assert time.monotonic() < deadline, "the two migrations never met at the lock"
                assert all(process.returncode is None for process in processes)
                await asyncio.sleep(0.05)
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            outputs = [await asyncio.wait_for(process.communicate(), timeout=60) for process in processes]
    finally:
        await holder.dispose()

    head = head_revision()
    said = sorted(stdout.decode().strip().splitlines()[-1] for stdout, _ in outputs)
    assert [process.returncode for process in processes] == [0, 0], [err.decode() for _, err in outputs]
    assert said == [
        f"database: already at the latest migration ({head})",
        f"database: migrated from an empty database to {head}",
    ]
