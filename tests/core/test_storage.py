"""Storage (core/db.py): SQLite through aiosqlite with its pragmas on every connection, write
transactions that start IMMEDIATE, every SQLite URL form meaning the same file, and a refusal that
rolls its transaction back (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Connection, func, select

from core.db import CHECKPOINT_AFTER_CHANGES, SQLITE_BUSY_TIMEOUT_MS, open_database
from core.errors import NoFreeSeat, Refusal
from core.migrate import head_revision
from core.schema import mentors
from core.seats import register_mentor
from core.service import Service
from tests.conftest import ADMIN, GUILD, Store

SYNCHRONOUS_FULL = 2


def _pragmas(connection: Connection) -> dict[str, Any]:
    read = connection.exec_driver_sql
    return {
        "journal_mode": read("PRAGMA journal_mode").scalar_one(),
        "busy_timeout": read("PRAGMA busy_timeout").scalar_one(),
        "foreign_keys": read("PRAGMA foreign_keys").scalar_one(),
        "synchronous": read("PRAGMA synchronous").scalar_one(),
        "wal_autocheckpoint": read("PRAGMA wal_autocheckpoint").scalar_one(),
    }


EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    "foreign_keys": 1,
    "synchronous": SYNCHRONOUS_FULL,
    "wal_autocheckpoint": 0,  # no writer's COMMIT checkpoints; core.db does it beside the writes
}


async def test_every_sqlite_connection_has_the_pragmas_and_runs_on_aiosqlite(tmp_path: Path) -> None:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path}/pragmas.db")
    try:
        seen: list[dict[str, Any]] = []
        drivers: set[type] = set()
        async with AsyncExitStack() as stack:  # four connections open at once: four connects
            for _ in range(4):
                connection = await stack.enter_async_context(db.engine.connect())
                seen.append(await connection.run_sync(_pragmas))
                raw = await connection.get_raw_connection()
                drivers.add(type(raw.driver_connection))
                await connection.rollback()
        seen.append(await db.write(_pragmas))
        seen.append(await db.read(_pragmas))
        assert seen == [EXPECTED_PRAGMAS] * 6
        assert drivers == {aiosqlite.Connection}
        assert db.engine.pool.checkedin() >= 4  # they were four distinct connections
    finally:
        await db.dispose()


@pytest.mark.parametrize("form", ["sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"])
async def test_each_sqlite_url_form_opens_the_same_file_through_aiosqlite(tmp_path: Path, form: str) -> None:
    path = tmp_path / "same.db"
    writer = open_database(f"sqlite+aiosqlite:///{path}")
    await writer.write(lambda c: c.exec_driver_sql("CREATE TABLE marks (text TEXT)"))
    await writer.write(lambda c: c.exec_driver_sql("INSERT INTO marks VALUES ('written')"))
    await writer.dispose()

    db = open_database(f"{form}:///{path}")
    try:
        assert db.url.drivername == "sqlite+aiosqlite"

        def look(connection: Connection) -> tuple[list[str], str, type]:
            marks = list(connection.exec_driver_sql("SELECT text FROM marks").scalars())
            file = connection.exec_driver_sql("PRAGMA database_list").one()[2]
            return marks, file, type(connection.connection.driver_connection)

        marks, file, driver = await db.read(look)
        assert marks == ["written"]
        assert Path(file) == path
        assert driver is aiosqlite.Connection
    finally:
        await db.dispose()


async def test_an_in_memory_sqlite_url_still_works() -> None:
    db = open_database("sqlite+aiosqlite://")
    try:
        await db.migrate()  # every task shares the one connection the database lives on
        counts = await asyncio.gather(
            *(
                db.read(lambda c: c.execute(select(func.count()).select_from(mentors)).scalar_one())
                for _ in range(5)
            )
        )
        assert counts == [0] * 5
    finally:
        await db.dispose()


def _read_then_write(path: Path, started: threading.Event, other: threading.Event, calls: list[str]) -> None:
    """In a thread of its own (as another process would be), with its own ``Database``: read the
    counter, wait a moment for the other writer to be inside its transaction too, then write it + 1."""

    def work(connection: Connection) -> None:
        calls.append(threading.current_thread().name)
        value = connection.exec_driver_sql("SELECT value FROM counter").scalar_one()
        started.set()
        other.wait(timeout=0.3)  # a deferred BEGIN would let both hold a read lock here
        connection.exec_driver_sql("UPDATE counter SET value = ?", (value + 1,))

    async def run() -> None:
        db = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.write(work)
        finally:
            await db.dispose()

    asyncio.run(run())


async def test_a_write_transaction_starts_immediate_so_two_read_then_write_transactions_both_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "immediate.db"
    setup = open_database(f"sqlite+aiosqlite:///{path}")
    await setup.write(lambda c: c.exec_driver_sql("CREATE TABLE counter (value INTEGER NOT NULL)"))
    await setup.write(lambda c: c.exec_driver_sql("INSERT INTO counter VALUES (0)"))
    first, second = threading.Event(), threading.Event()
    calls: list[str] = []
    failures: list[BaseException] = []

    def guarded(*args: Any) -> None:
        try:
            _read_then_write(*args)
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=guarded, args=(path, first, second, calls), name="a"),
        threading.Thread(target=guarded, args=(path, second, first, calls), name="b"),
    ]
    for thread in threads:
        thread.start()
    await asyncio.to_thread(lambda: [thread.join() for thread in threads])
    try:
        assert failures == []
        # Each transaction ran once: none met "database is locked" and had to be run again.
        assert sorted(calls) == ["a", "b"]
        assert "locked" not in caplog.text
        assert await setup.read(lambda c: c.exec_driver_sql("SELECT value FROM counter").scalar_one()) == 2
    finally:
        await setup.dispose()


async def test_a_read_does_not_wait_for_an_open_write_transaction(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    db = open_database(f"sqlite+aiosqlite:///{path}")
    await db.write(lambda c: c.exec_driver_sql("CREATE TABLE counter (value INTEGER NOT NULL)"))
    await db.write(lambda c: c.exec_driver_sql("INSERT INTO counter VALUES (0)"))
    inside, release = threading.Event(), threading.Event()

    def hold(connection: Connection) -> None:
        connection.exec_driver_sql("UPDATE counter SET value = 1")
        inside.set()
        release.wait(timeout=5)

    async def writer() -> None:
        other = open_database(f"sqlite+aiosqlite:///{path}")
        try:
            await other.write(hold)
        finally:
            await other.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(writer()))
    thread.start()
    try:
        assert await asyncio.to_thread(inside.wait, 5)
        started = time.perf_counter()
        value = await db.read(lambda c: c.exec_driver_sql("SELECT value FROM counter").scalar_one())
        waited = time.perf_counter() - started
        assert value == 0  # the snapshot from before the open write (WAL)
        assert waited < 1, f"a read waited {waited:.2f} s for a writer"
    finally:
        release.set()
        await asyncio.to_thread(thread.join)
        await db.dispose()


async def test_writes_of_one_process_take_turns_on_one_connection(tmp_path: Path) -> None:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path}/turns.db")
    try:
        await db.write(lambda c: c.exec_driver_sql("CREATE TABLE counter (value INTEGER NOT NULL)"))
        await db.write(lambda c: c.exec_driver_sql("INSERT INTO counter VALUES (0)"))
        busiest: list[int] = []

        def read_then_write(connection: Connection) -> None:
            busiest.append(db.engine.pool.checkedout())
            value = connection.exec_driver_sql("SELECT value FROM counter").scalar_one()
            connection.exec_driver_sql("UPDATE counter SET value = ?", (value + 1,))

        await asyncio.gather(*(db.write(read_then_write) for _ in range(20)))
        assert await db.read(lambda c: c.exec_driver_sql("SELECT value FROM counter").scalar_one()) == 20
        # Waiting on the in-process lock, not each on a connection of its own in SQLite's busy timeout.
        assert max(busiest) == 1
    finally:
        await db.dispose()


async def test_the_wal_is_checkpointed_beside_the_writes_once_they_changed_enough_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "checkpoint.db"
    db = open_database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.write(lambda c: c.exec_driver_sql("CREATE TABLE marks (text TEXT)"))
        await db.read(lambda c: None)  # the pool holds a connection: closing none checkpoints
        size = path.stat().st_size

        def insert(count: int) -> Callable[[Connection], None]:
            return lambda c: c.exec_driver_sql(
                "INSERT INTO marks VALUES (?)", [("x" * 200,) for _ in range(count)]
            )

        await db.write(insert(CHECKPOINT_AFTER_CHANGES // 2))
        await asyncio.sleep(0.2)
        assert path.stat().st_size == size  # no COMMIT copied the WAL back, and no checkpoint was due
        await db.write(insert(CHECKPOINT_AFTER_CHANGES // 2))
        for _ in range(50):  # the checkpoint runs after the write returned, on a connection of its own
            if path.stat().st_size > size:
                break
            await asyncio.sleep(0.1)
        assert path.stat().st_size > size + CHECKPOINT_AFTER_CHANGES * 200
    finally:
        await db.dispose()


async def test_a_refusal_rolls_back_what_its_transaction_wrote(service: Service) -> None:
    def register_then_refuse(tx: Any) -> None:
        register_mentor(
            tx, guild_id=GUILD, actor=ADMIN, mentor_user_id=10, mentor_name="mia", seats_capacity=3
        )
        raise NoFreeSeat("Mia has no free seat.")

    with pytest.raises(Refusal, match="no free seat"):
        await service.write(register_then_refuse)
    count = select(func.count()).select_from(mentors)
    assert await service.db.read(lambda c: c.execute(count).scalar_one()) == 0
    # The connection went back clean: the next transaction commits.
    await service.write(
        register_mentor,
        guild_id=GUILD,
        actor=ADMIN,
        mentor_user_id=10,
        mentor_name="mia",
        seats_capacity=3,
    )
    assert await service.db.read(lambda c: c.execute(count).scalar_one()) == 1


async def test_two_migrations_at_once_each_say_what_they_did_and_only_one_migrated(store: Store) -> None:
    """The revisions a migration reports are read under its lock, so the one that waited reports the
    revision the other left (both used to say they migrated the empty database)."""
    first, second = store.open(), store.open()
    try:
        done = await asyncio.gather(first.migrate(), second.migrate())
    finally:
        await first.dispose()
        await second.dispose()

    head = head_revision()
    assert sorted((run.before or "", run.after) for run in done) == [("", head), (head, head)]
    assert [run.changed for run in done].count(True) == 1
