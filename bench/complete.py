"""Completion: ``complete_session`` through ``Service``, beside the same statements sent through
SQLAlchemy Core on the same kind of aiosqlite engine (the driver), and the same work hand-written on raw
sqlite3 (the floor).

Each runs on its own fresh copy of the main database, on the same students in the same order, taking
turns student by student (so a change in the machine's load hits all three alike): each student's
session booked ten minutes ago is completed (``/complete student`` without a session, with a request
key, as the command sends it). A quarter of the packs have 4 sessions, so a quarter of the completions
are session 3 of 4 and also queue the "one left" DM.

Our completion's statements are caught with a ``before_cursor_execute`` listener (its BEGIN included)
and counted; the driver run then sends exactly those statements, with their parameters, on its own copy
in one transaction of one ``run_sync``, with no use-case code, no ``Service`` and no ``Database``. Only
``core.sessions.complete_session`` and its keyword arguments are relied on, so the figures follow the
use case however it is written.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

from bench.common import GUILD, NOW, Progress, copy_database, percentile, remove_database, sqlite_url, ts
from bench.seed import MAIN_TOTALS, mentor_of, mentor_user, student_of
from core.clock import ManualClock
from core.db import SQLITE_PRAGMAS, open_database
from core.domain import Actor, Policy
from core.service import Service
from core.sessions import complete_session


@dataclass(frozen=True)
class Latencies:
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    samples: int

    def __str__(self) -> str:
        return (
            f"p50 {self.p50_ms:.2f} / p90 {self.p90_ms:.2f} / p99 {self.p99_ms:.2f} / max {self.max_ms:.2f} ms "
            f"({self.samples:,} samples)"
        )


def _summary(samples: list[float]) -> Latencies:
    return Latencies(
        percentile(samples, 0.50) * 1000,
        percentile(samples, 0.90) * 1000,
        percentile(samples, 0.99) * 1000,
        max(samples) * 1000,
        len(samples),
    )


def pick_seats(seats: int, count: int, seed: int = 6) -> list[int]:
    return random.Random(seed).sample(range(1, seats + 1), count)


# ---- ours, and the driver on the same statements -------------------------------------------------

Statement = tuple[str, Any, bool]  # SQL, parameters, executemany


@dataclass(frozen=True)
class Measured:
    ours: Latencies
    driver: Latencies
    floor: Latencies
    statements_without_dm: int  # the most any completion that queued no DM sent, its BEGIN included
    statements_with_dm: int

    def statements(self) -> str:
        return (
            f"{self.statements_without_dm} statements per completion queuing no DM, "
            f"{self.statements_with_dm} with the one-left DM (BEGIN included, COMMIT not a statement)"
        )


def queues_dm(seat: int) -> bool:
    """Session 3 of a 4-session pack owes the "one left" DM (R5); no seat of the seed has renewed."""
    return MAIN_TOTALS[seat % len(MAIN_TOTALS)] == 4


def _listen(engine: Engine, into: list[Statement]) -> None:
    def caught(_c: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        into.append((statement, parameters, many))

    event.listen(engine, "before_cursor_execute", caught)


def _replay(connection: Connection, statements: list[Statement]) -> None:
    """The driver's part of a completion: each statement sent as it was, its rows fetched."""
    for statement, parameters, many in statements:
        result = connection.exec_driver_sql(statement, list(parameters) if many else parameters)
        if result.returns_rows:
            result.all()


def _done(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """What the completions left behind: sessions completed now (all session 3), DMs queued, history."""
    now = ts(NOW)
    return (
        connection.execute(
            "SELECT count(*) FROM sessions WHERE completed_at = ? AND number = 3", (now,)
        ).fetchone()[0],
        connection.execute("SELECT count(*) FROM notifications WHERE created_at = ?", (now,)).fetchone()[0],
        connection.execute("SELECT count(*) FROM history WHERE at = ?", (now,)).fetchone()[0],
    )


async def _side_by_side(
    ours_path: Path, driver_path: Path, floor_path: Path, order: list[int], warmup: int
) -> Measured:
    ours_db = open_database(sqlite_url(ours_path))
    driver_db = open_database(sqlite_url(driver_path))
    floor = _floor_connection(floor_path)
    try:
        await ours_db.migrate()
        await driver_db.migrate()
        service = Service(ours_db, ManualClock(NOW), Policy())
        sent: list[Statement] = []
        replayed: list[Statement] = []
        _listen(ours_db.sync_engine, sent)
        _listen(driver_db.sync_engine, replayed)  # the same listener's cost on both sides
        samples: dict[str, list[float]] = {"ours": [], "driver": [], "floor": []}
        counts: dict[bool, int] = {False: 0, True: 0}
        progress = Progress("completion: ours, driver, floor in turn", len(order))
        for n, seat in enumerate(order):
            sent.clear()
            started = time.perf_counter()
            await service.write(
                complete_session,
                guild_id=GUILD,
                actor=Actor(mentor_user(mentor_of(seat))),
                student_user_id=student_of(seat),
                request_key=f"bench:{seat}",
            )
            ours = time.perf_counter() - started
            statements = list(sent)
            dm = queues_dm(seat)
            counts[dm] = max(counts[dm], len(statements))
            # The driver run's ``begin`` event emits its own BEGIN IMMEDIATE.
            body = [s for s in statements if not s[0].lstrip().upper().startswith("BEGIN")]

            replayed.clear()
            started = time.perf_counter()
            async with driver_db.engine.connect() as connection, connection.begin():
                await connection.run_sync(_replay, body)
            driver = time.perf_counter() - started
            if replayed != statements:
                raise AssertionError(f"the driver sent {len(replayed)} statements, ours {len(statements)}")

            started = time.perf_counter()
            number = _floor_once(floor, seat)
            floor_s = time.perf_counter() - started
            if number != 3:
                raise AssertionError(f"unexpected floor completion for seat {seat}: {number}")
            if n >= warmup:
                samples["ours"].append(ours)
                samples["driver"].append(driver)
                samples["floor"].append(floor_s)
            progress.advance()
        progress.finish()
    finally:
        await ours_db.dispose()
        await driver_db.dispose()
        floor.close()
    expected = (len(order), sum(map(queues_dm, order)), len(order))
    for name, path in (("ours", ours_path), ("driver", driver_path), ("floor", floor_path)):
        check = sqlite3.connect(path)
        try:
            found = _done(check)
        finally:
            check.close()
        if found != expected:
            raise AssertionError(f"{name} left (completed, DMs, history) {found}, expected {expected}")
    return Measured(
        _summary(samples["ours"]),
        _summary(samples["driver"]),
        _summary(samples["floor"]),
        counts[False],
        counts[True],
    )


def measure(seed: Path, work_dir: Path, order: list[int], warmup: int) -> Measured:
    paths = [copy_database(seed, work_dir / f"complete-{name}.db") for name in ("ours", "driver", "floor")]
    try:
        return asyncio.run(_side_by_side(*paths, order, warmup))
    finally:
        for path in paths:
            remove_database(path)


# ---- the floor: the same statements, hand-written, stdlib sqlite3 ---------------------------------

# R3: without a session, /complete takes one that starts within the next hour or earlier.
LOOKAHEAD = timedelta(hours=1)
# A DM body of the real one's length (the floor times statements, not texts).
ONE_LEFT_BODY = (
    "**Bench** — You have 1 session remaining (3 of 4 used with <@700000000000000001>). Renew now to "
    "continue: ask an admin of **Bench**."
)
_FIND_REPEAT = "SELECT id FROM sessions WHERE request_key = ?"
_FIND_SEAT = (
    "SELECT seats.id, seats.status, mentors.user_id, seats.student_id FROM seats "
    "JOIN mentors ON mentors.id = seats.mentor_id "
    "WHERE seats.guild_id = ? AND seats.student_id = ? AND seats.status IN ('active', 'grace') "
    "ORDER BY seats.id"
)
_FIND_DUE = (
    "SELECT id FROM sessions WHERE seat_id = ? AND status = 'scheduled' AND starts_at <= ? "
    "ORDER BY starts_at, id LIMIT 1"
)
_SESSION = (
    "SELECT sessions.id, sessions.status, sessions.pack_id, sessions.seat_id, sessions.starts_at, "
    "sessions.minutes, sessions.completed_at, sessions.number, seats.student_id, mentors.user_id, "
    "packs.sessions_total, packs.sessions_left FROM sessions "
    "JOIN seats ON seats.id = sessions.seat_id JOIN mentors ON mentors.id = seats.mentor_id "
    "JOIN packs ON packs.id = sessions.pack_id WHERE sessions.id = ? AND sessions.guild_id = ?"
)
_TAKE_BOOKED = (
    "UPDATE packs SET sessions_left = sessions_left - 1, sessions_booked = sessions_booked - 1, "
    "status = CASE WHEN sessions_left = 1 AND status = 'active' THEN 'depleted' ELSE status END, "
    "closed_at = CASE WHEN sessions_left = 1 AND status = 'active' THEN ? ELSE closed_at END "
    "WHERE id = ? AND sessions_left > 0 AND sessions_booked > 0 "
    "RETURNING id, seat_id, sessions_total, sessions_left, sessions_forfeited, status, ends_at"
)
_MARK_COMPLETED = (
    "UPDATE sessions SET status = 'completed', number = ?, request_key = ?, completed_by = ?, "
    "completed_at = ? WHERE id = ? AND status = 'scheduled' RETURNING id"
)
_RENEWED = (
    "SELECT EXISTS (SELECT 1 FROM packs WHERE seat_id = ? AND id != ? AND status = 'active' AND ends_at > ?)"
)
_QUEUE = (
    'INSERT INTO notifications (guild_id, "key", kind, recipient_id, mentor_user_id, seat_id, pack_id, '
    "session_id, seat_period, body, status, due_at, next_attempt_at, lease_token, attempts, created_at) "
    "VALUES (?, ?, 'one_left', ?, ?, ?, ?, NULL, NULL, ?, 'pending', ?, ?, 0, 0, ?) "
    'ON CONFLICT ("key") DO NOTHING RETURNING id'
)
_HISTORY = (
    "INSERT INTO history (guild_id, at, actor_id, action, seat_id, pack_id, session_id, detail) "
    "VALUES (?, ?, ?, 'session_completed', ?, ?, ?, ?)"
)


def _floor_once(connection: sqlite3.Connection, seat: int) -> int:
    """One completion, as few Python steps as the logic allows; returns the session number."""
    execute = connection.execute
    now = ts(NOW)
    actor = mentor_user(mentor_of(seat))
    key = f"bench:{seat}"
    execute("BEGIN IMMEDIATE")
    try:
        if execute(_FIND_REPEAT, (key,)).fetchone() is not None:
            raise AssertionError("repeated request")
        rows = execute(_FIND_SEAT, (GUILD, student_of(seat))).fetchall()
        seat_id, _status, mentor_user_id, student_id = next(row for row in rows if row[2] == actor)
        (due,) = execute(_FIND_DUE, (seat_id, ts(NOW + LOOKAHEAD))).fetchone()
        session = execute(_SESSION, (due, GUILD)).fetchone()
        if session[1] != "scheduled":
            raise AssertionError("session not scheduled")
        pack = execute(_TAKE_BOOKED, (now, session[2])).fetchone()
        pack_id, pack_seat, total, left, forfeited, pack_status, _ends_at = pack
        if pack_status != "active":
            raise AssertionError("the floor does not implement depletion; the data never depletes")
        number = total - left - forfeited
        if execute(_MARK_COMPLETED, (number, key, actor, now, due)).fetchone() is None:
            raise AssertionError("session changed")
        if number == total - 1 and not execute(_RENEWED, (pack_seat, pack_id, now)).fetchone()[0]:
            body = ONE_LEFT_BODY
            execute(
                _QUEUE,
                (GUILD, f"one_left:pack:{pack_id}", student_id, mentor_user_id, pack_seat, pack_id, body)
                + (now,) * 3,
            ).fetchone()
        detail = json.dumps({"left": left, "number": number}, sort_keys=True)
        execute(_HISTORY, (GUILD, now, actor, pack_seat, pack_id, due, detail))
        execute("COMMIT")
    except BaseException:
        execute("ROLLBACK")
        raise
    return number


def _floor_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # The same PRAGMAs as core.db sets on every connection.
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    return connection
