"""Storage: engines for SQLite and PostgreSQL, and running one unit of work in one transaction.

A unit of work is a synchronous function of a SQLAlchemy ``Connection``. ``Database.write`` runs it
in a transaction and returns its result; if it raises, the transaction is rolled back. It is run in
one hop, because round trips are what a use case costs:

* SQLite (the embedded default): every write runs on one dedicated thread holding one connection, so
  writes never contend inside the process, and each transaction starts with ``BEGIN IMMEDIATE`` (a
  deferred ``BEGIN`` that reads and then writes can fail with "database is locked"). Reads run on
  their own threads beside it (WAL lets readers run beside the writer). Connections use WAL,
  ``busy_timeout``, ``foreign_keys=ON`` and ``synchronous=FULL`` (a committed DM owed is on disk).
  WAL checkpoints run on a thread of their own, not inside whichever writer's COMMIT crosses the limit.
  The stdlib driver is used on these threads: SQLAlchemy's aiosqlite adapter hops to aiosqlite's
  thread about four times per statement, which measured ~4x slower for the same transaction.
* PostgreSQL: asyncpg through SQLAlchemy's ``AsyncConnection.run_sync``, with READ COMMITTED and
  conditional updates; a transaction that hits a deadlock or serialization failure is run again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, create_engine, event, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tenacity import AsyncRetrying, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from core.config import POSTGRES_SCHEMES, SQLITE_SCHEMES

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], T]

SQLITE_BUSY_TIMEOUT_MS = 5000
# SQLite's automatic checkpoint (copying the WAL back into the database file, with an fsync) runs in
# the COMMIT that crosses 1,000 WAL pages: one write in a few dozen paid tens of milliseconds for
# everyone's pages, and a large sweep paid most of its time. A thread of its own does it instead, once
# the writes since the last one changed this many rows (3,000 to 4,000 pages). Not more often: its own
# fsync slows the commits it overlaps, so a few larger checkpoints disturb fewer of them (bench/).
CHECKPOINT_AFTER_CHANGES = 1000
# Serializes migrations when several processes start at once on one PostgreSQL database.
MIGRATION_LOCK_KEY = 0x6D656E746F72  # "mentor"
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


class Database(Protocol):
    """Where the program's state lives. Every method is safe to call from several tasks at once."""

    url: URL

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in one read-write transaction; commit if it returns, roll back if it raises."""
        ...

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in one read-only snapshot."""
        ...

    async def migrate(self) -> None:
        """Bring the schema to the latest migration (safe when several processes start at once)."""
        ...

    async def dispose(self) -> None: ...

    @property
    def is_postgres(self) -> bool: ...


def open_database(url: str, *, schema: str | None = None) -> Database:
    """The database for a ``DATABASE_URL``: SQLite for ``sqlite…://``, PostgreSQL for ``postgresql…://``.

    ``schema`` puts every table of a PostgreSQL database in that schema (tests use one per test).
    """
    parsed = make_url(url)
    scheme = parsed.drivername
    if scheme in SQLITE_SCHEMES:
        return SqliteDatabase(parsed.set(drivername="sqlite+pysqlite"))
    if scheme in POSTGRES_SCHEMES:
        return PostgresDatabase(parsed.set(drivername="postgresql+asyncpg"), schema=schema)
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


def _sqlite_locked(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and "locked" in str(error.orig).lower()


class SqliteDatabase:
    """SQLite in WAL mode: one writer thread, a few reader threads, one connection per thread."""

    is_postgres = False

    def __init__(self, url: URL, *, readers: int = 2) -> None:
        self.url = url
        database = url.database or ""
        self._memory = database in ("", ":memory:")
        if not self._memory:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=readers + 3,  # the writer, the readers, the checkpointer, one spare
            max_overflow=0,
        )
        event.listen(self.engine, "connect", self._on_connect)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mentorbot-sqlite-writer")
        # An in-memory database exists only on its one connection: reads go to the writer then.
        self._readers = (
            self._writer
            if self._memory
            else ThreadPoolExecutor(readers, thread_name_prefix="mentorbot-sqlite-reader")
        )
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="mentorbot-sqlite-checkpoint")
        self._checkpoint_connection: Any = None
        self._checkpointing = False
        self._changed_rows = 0  # by writes since the last checkpoint was asked for

    @staticmethod
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let ``_run``, not the driver, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it (see above)
        cursor.close()

    @staticmethod
    def _begin(connection: Connection) -> None:
        """Emit the BEGIN the driver leaves to us (``isolation_level = None``): IMMEDIATE for writes.

        Emitted here rather than from a SQLAlchemy ``begin`` event: any engine event listener sends
        every statement through SQLAlchemy's event dispatch, about 10 µs each."""
        if connection.get_execution_options().get("mentorbot_read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _connection(self, read_only: bool) -> Connection:
        attribute = "reader" if read_only and not self._memory else "writer"
        connection: Connection | None = getattr(self._local, attribute, None)
        if connection is None or connection.closed or connection.invalidated:
            connection = self.engine.connect()
            if read_only and not self._memory:
                connection = connection.execution_options(mentorbot_read_only=True)
            setattr(self._local, attribute, connection)
            with self._lock:
                self._connections.append(connection)
        return connection

    def _run(self, work: Work[T], read_only: bool) -> T:
        for attempt in Retrying(
            retry=retry_if_exception(_sqlite_locked),
            stop=stop_after_attempt(5),
            wait=wait_random_exponential(multiplier=0.05, max=1),
            reraise=True,
        ):
            with attempt:
                connection = self._connection(read_only)
                if connection.in_transaction():  # a previous failure left one open
                    connection.rollback()
                before = 0 if read_only else _total_changes(connection)
                with connection.begin():
                    self._begin(connection)
                    result = work(connection)
                if not read_only:
                    self._changed_rows += _total_changes(connection) - before
                    if self._changed_rows >= CHECKPOINT_AFTER_CHANGES:
                        self._request_checkpoint()
                return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_checkpoint(self) -> None:
        """On the writer thread: have the checkpointer thread checkpoint, unless it is already at it."""
        if self._memory:
            return
        with self._lock:
            if self._checkpointing:
                return
            self._checkpointing = True
        self._changed_rows = 0
        self._checkpointer.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        """A PASSIVE checkpoint: copies what no reader still needs, never waits for or blocks anyone."""
        try:
            if self._checkpoint_connection is None:
                self._checkpoint_connection = self.engine.raw_connection()
            cursor = self._checkpoint_connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                cursor.close()
        except Exception:  # the next one will try again; SQLite checkpoints on close anyway
            log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            with self._lock:
                self._checkpointing = False

    async def write(self, work: Work[T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._run, work, False)

    async def read(self, work: Work[T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._run, work, True)

    async def migrate(self) -> None:
        from core.migrate import upgrade_to_head

        await self.write(upgrade_to_head)

    async def dispose(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._close_all)

    def _close_all(self) -> None:
        self._writer.shutdown(wait=True)
        if self._readers is not self._writer:
            self._readers.shutdown(wait=True)
        self._checkpointer.shutdown(wait=True)
        if self._checkpoint_connection is not None:
            self._checkpoint_connection.close()
            self._checkpoint_connection = None
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self.engine.dispose()


def _total_changes(connection: Connection) -> int:
    """Rows the driver connection has changed since it opened (sqlite3's ``total_changes``)."""
    return int(getattr(connection.connection.dbapi_connection, "total_changes", 0))


def _pg_retryable(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


class PostgresDatabase:
    """PostgreSQL through asyncpg; several processes may share it."""

    is_postgres = True

    def __init__(self, url: URL, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        connect_args: dict[str, Any] = {}
        if schema is not None:
            connect_args["server_settings"] = {"search_path": schema}
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=connect_args
        )

    async def _run(self, work: Work[T]) -> T:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_pg_retryable),
            stop=stop_after_attempt(8),
            wait=wait_random_exponential(multiplier=0.02, max=0.5),
            reraise=True,
        ):
            with attempt:
                async with self.engine.connect() as connection, connection.begin():
                    return await connection.run_sync(work)
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, work: Work[T]) -> T:
        return await self._run(work)

    async def read(self, work: Work[T]) -> T:
        return await self._run(work)

    async def migrate(self) -> None:
        from core.migrate import upgrade_to_head

        def locked_upgrade(connection: Connection) -> None:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            if self.schema is not None:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            upgrade_to_head(connection)

        await self.write(locked_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()
