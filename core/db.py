"""Storage: one ``Database`` on SQLAlchemy's ``AsyncEngine`` for SQLite and PostgreSQL, and running one
unit of work in one transaction.

A unit of work is a synchronous function of a SQLAlchemy ``Connection``. ``Database.write`` runs it in
a read-write transaction through ``AsyncConnection.run_sync`` and returns its result; if it raises, the
transaction is rolled back. ``Database.read`` does the same in a read-only snapshot.

* SQLite (the embedded default) runs through aiosqlite. A deferred ``BEGIN`` that reads and then writes
  can fail with "database is locked" (the read lock cannot be upgraded), so write transactions start
  with ``BEGIN IMMEDIATE``, reads with a plain ``BEGIN``: the driver is told to leave transactions
  alone (``isolation_level = None``) and a ``begin`` event emits them (SQLAlchemy's documented recipe).
  Every connection uses WAL (readers beside the writer), ``busy_timeout``, ``foreign_keys=ON`` and
  ``synchronous=FULL`` (a committed DM owed is on disk). Writers of this process wait on one
  ``asyncio.Lock`` rather than on SQLite's busy timeout; another process's writer is waited for by the
  busy timeout, and a transaction that still meets "database is locked" is run again. The WAL is
  checkpointed beside the writes, not inside one (``CHECKPOINT_AFTER_CHANGES``).
* PostgreSQL runs through asyncpg with READ COMMITTED and conditional updates; a transaction that hits
  a deadlock or a serialization failure is run again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from core.config import POSTGRES_SCHEMES, SQLITE_SCHEMES

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], T]

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    "PRAGMA wal_autocheckpoint=0",  # see CHECKPOINT_AFTER_CHANGES
)
# SQLite's automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages, and that
# writer waits for every page to be copied back and fsynced: a sweep at 1,000,000 packs (~2,700 WAL
# pages) took 262 ms with it against 179 ms without (median of 5 each, in turn; bench/README.md). So
# once the writes since the last checkpoint changed this many rows, a PASSIVE checkpoint (it never
# waits for or blocks a reader or writer) runs on a pooled connection outside the write lock.
CHECKPOINT_AFTER_CHANGES = 1000
# Serializes migrations when several processes start at once on one PostgreSQL database.
MIGRATION_LOCK_KEY = 0x6D656E746F72  # "mentor"
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
ATTEMPTS = {"sqlite": 5, "postgresql": 8}
BACKOFF_S = {"sqlite": (0.05, 1.0), "postgresql": (0.02, 0.5)}  # first wait, longest wait
# An execution option telling the ``begin`` event that a transaction only reads.
READ_ONLY = "mentorbot_read_only"


def open_database(url: str, *, schema: str | None = None) -> Database:
    """The database for a ``DATABASE_URL``: SQLite for ``sqlite…://``, PostgreSQL for ``postgresql…://``.

    Every SQLite form (``sqlite://``, ``sqlite+pysqlite://``, ``sqlite+aiosqlite://``) means the same
    file through aiosqlite. ``schema`` puts every table of a PostgreSQL database in that schema (tests
    use one per test).
    """
    parsed = make_url(url)
    scheme = parsed.drivername
    if scheme in SQLITE_SCHEMES:
        return Database(parsed.set(drivername="sqlite+aiosqlite"))
    if scheme in POSTGRES_SCHEMES:
        return Database(parsed.set(drivername="postgresql+asyncpg"), schema=schema)
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


class Database:
    """Where the program's state lives. Every method is safe to call from several tasks at once."""

    def __init__(self, url: URL, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.dialect = url.get_backend_name()
        self.engine: AsyncEngine
        self._checkpoints = False
        self._checkpoint: asyncio.Task[None] | None = None
        self._changes = 0  # rows changed by SQLite writes since the last checkpoint began
        if self.is_postgres:
            connect_args: dict[str, Any] = {}
            if schema is not None:
                connect_args["server_settings"] = {"search_path": schema}
            self.engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args=connect_args,
            )
            self._reader = self.engine
            self._write_lock: asyncio.Lock | None = None
            self._read_lock: asyncio.Lock | None = None
            return
        database = url.database or ""
        memory = database in ("", ":memory:")
        if memory:
            # The database exists only on its one connection: every task shares it, one at a time.
            self.engine = create_async_engine(url, poolclass=StaticPool)
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # Every unit of work ends its transaction itself (``_run``: commit, or roll back on the way
            # out), so the pool's rollback of each returned connection would only be one more trip to
            # aiosqlite's thread per transaction (a third of delivery's "mark sent", measured).
            self.engine = create_async_engine(url, pool_reset_on_return=None)
        event.listen(self.engine.sync_engine, "connect", _sqlite_connect)
        event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self._write_lock = asyncio.Lock()
        self._read_lock = self._write_lock if memory else None
        self._checkpoints = not memory
        self._reader = self.engine if memory else self.engine.execution_options(**{READ_ONLY: True})

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def sync_engine(self) -> Engine:
        """The synchronous face of the engine, where SQLAlchemy's events are listened for."""
        return self.engine.sync_engine

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in one read-write transaction; commit if it returns, roll back if it raises."""
        if not self._checkpoints:
            async with _held(self._write_lock):
                return await self._run(self.engine, work)

        def counted(connection: Connection) -> T:
            driver: Any = connection.connection.driver_connection
            before = driver.total_changes
            result = work(connection)
            self._changes += driver.total_changes - before
            return result

        async with _held(self._write_lock):
            result = await self._run(self.engine, counted)
        if self._changes >= CHECKPOINT_AFTER_CHANGES and (
            self._checkpoint is None or self._checkpoint.done()
        ):
            self._changes = 0
            self._checkpoint = asyncio.create_task(self._checkpoint_wal())
        return result

    async def _checkpoint_wal(self) -> None:
        try:
            async with self.engine.connect() as connection:
                driver: Any = (await connection.get_raw_connection()).driver_connection
                cursor = await driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
                await cursor.close()
        except Exception:  # the next one tries again; SQLite checkpoints when the last connection closes
            log.warning("WAL checkpoint failed", exc_info=True)

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in one read-only snapshot."""
        async with _held(self._read_lock):
            return await self._run(self._reader, work)

    async def _run(self, engine: AsyncEngine, work: Work[T]) -> T:
        attempts = ATTEMPTS[self.dialect]
        first, longest = BACKOFF_S[self.dialect]
        for attempt in range(1, attempts + 1):
            try:
                async with engine.connect() as connection, connection.begin():
                    return await connection.run_sync(work)
            except DBAPIError as error:
                if attempt == attempts or not self._retryable(error):
                    raise
                log.info("transaction retried (attempt %d of %d): %s", attempt, attempts, error.orig)
            await asyncio.sleep(random.uniform(0, min(longest, first * 2**attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    def _retryable(self, error: DBAPIError) -> bool:
        if self.is_postgres:
            code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
            return code in RETRYABLE_SQLSTATES
        # Another process held the write lock longer than busy_timeout.
        return isinstance(error, OperationalError) and "locked" in str(error.orig).lower()

    async def migrate(self) -> Migration:
        """Bring the schema to the latest migration (safe when several processes start at once), and
        say from which revision to which this process took it.

        Both revisions are read inside the migration's own transaction, after its lock (PostgreSQL's
        advisory lock, SQLite's ``BEGIN IMMEDIATE``): of two processes migrating at once, the one that
        waited reads the revision the other left, so only the one that migrated says it did."""
        from core.migrate import current_revision, upgrade_to_head

        def locked_upgrade(connection: Connection) -> Migration:
            if self.is_postgres:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                if self.schema is not None:
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            before = current_revision(connection)
            upgrade_to_head(connection)
            return Migration(before, current_revision(connection))

        return await self.write(locked_upgrade)

    async def dispose(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        await self.engine.dispose()


@dataclass(frozen=True)
class Migration:
    """What one ``Database.migrate`` did: the revision it found and the one it left."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _held(lock: asyncio.Lock | None) -> AbstractAsyncContextManager[Any]:
    return lock if lock is not None else nullcontext()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The ``begin`` event, not the driver, decides how a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
