"""Completion latency: ``complete_session`` through ``Service`` against the same work in raw sqlite3.

Both run on their own fresh copy of the main database, on the same students in the same order: each
student's session booked ten minutes ago is completed (``/complete student`` without a session, with a
request key, as the command sends it). A quarter of the packs have 4 sessions, so a quarter of the
completions are session 3 of 4 and also queue the "one left" DM.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import GUILD, NOW, Progress, copy_database, percentile, remove_database, sqlite_url, ts
from bench.seed import mentor_of, mentor_user, student_of
from core.clock import ManualClock
from core.db import SQLITE_BUSY_TIMEOUT_MS, open_database
from core.domain import COMPLETE_LOOKAHEAD, Actor, Policy
from core.service import Service
from core.texts import one_left
from core.usecases import complete_session


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


# ---- ours ------------------------------------------------------------------------------------------


async def _ours(path: Path, order: list[int], warmup: int) -> list[float]:
    db = open_database(sqlite_url(path))
    try:
        await db.migrate()
        service = Service(db, ManualClock(NOW), Policy())
        samples: list[float] = []
        progress = Progress("complete_session via Service", len(order))
        for n, seat in enumerate(order):
            started = time.perf_counter()
            result = await service.write(
                complete_session,
                guild_id=GUILD,
                actor=Actor(mentor_user(mentor_of(seat))),
                student_user_id=student_of(seat),
                request_key=f"bench:{seat}",
            )
            elapsed = time.perf_counter() - started
            if result.already_completed or result.number != 3:
                raise AssertionError(f"unexpected completion for seat {seat}: {result}")
            if n >= warmup:
                samples.append(elapsed)
            progress.advance()
        progress.finish()
        return samples
    finally:
        await db.dispose()


def measure_ours(seed: Path, work_dir: Path, order: list[int], warmup: int) -> Latencies:
    path = copy_database(seed, work_dir / "complete-ours.db")
    try:
        return _summary(asyncio.run(_ours(path, order, warmup)))
    finally:
        remove_database(path)


# ---- the floor: the same statements, hand-written, stdlib sqlite3 ---------------------------------

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
        (due,) = execute(_FIND_DUE, (seat_id, ts(NOW + COMPLETE_LOOKAHEAD))).fetchone()
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
            body = one_left(mentor_user_id, number, total)
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


def _floor(path: Path, order: list[int], warmup: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        # The same PRAGMAs as core.db sets on every connection.
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA synchronous=FULL")
        samples: list[float] = []
        progress = Progress("floor (stdlib sqlite3)", len(order))
        for n, seat in enumerate(order):
            started = time.perf_counter()
            number = _floor_once(connection, seat)
            elapsed = time.perf_counter() - started
            if number != 3:
                raise AssertionError(f"unexpected floor completion for seat {seat}: {number}")
            if n >= warmup:
                samples.append(elapsed)
            progress.advance()
        progress.finish()
        return samples
    finally:
        connection.close()


def measure_floor(seed: Path, work_dir: Path, order: list[int], warmup: int) -> Latencies:
    path = copy_database(seed, work_dir / "complete-floor.db")
    try:
        return _summary(_floor(path, order, warmup))
    finally:
        remove_database(path)
