"""A mentor's calendar feed (R22) through the real HTTP route on 127.0.0.1.

On a copy of the main database (the mentor's sessions sit among everyone else's), mentor 1 gets 600
more sessions beside the 400 of their 100 seats: 1,000 in the feed's window (from 30 days back on),
one in five of the added ones cancelled and one in five completed. A ``WebDoor`` with the calendar
route is started on port 0, and an ``aiohttp`` client asks for the feed again and again.

``feed_ms`` is the p50 of those requests: a calendar app polling a feed, each event's text already
made (``core.calendar.feeds`` keeps it, keyed by what it is made of). The first request after a start
writes every event with icalendar; the note gives that cold figure too (the cache cleared before each
of ``cold`` requests), and the statements one request sends.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import event

from bench.common import GUILD, NOW, copy_database, percentile, remove_database, sqlite_url, ts
from bench.seed import SEATS_PER_MENTOR, mentor_user
from bot.web import HealthChecks, Metrics, WebDoor, calendar_path, calendar_routes
from core.calendar.feeds import clear_event_cache
from core.calendar.tokens import fingerprint, new_token
from core.clock import ManualClock
from core.db import open_database
from core.domain import Policy
from core.service import Service

MENTOR = 1  # seats 1..100 of the main database
ADDED_PER_SEAT = 6  # 100 seats x (4 seeded + 6 added) = 1,000 sessions
EVENTS = SEATS_PER_MENTOR * (4 + ADDED_PER_SEAT)


@dataclass(frozen=True)
class FeedMeasure:
    p50_ms: float
    spread: str
    cold_p50_ms: float
    statements: int
    events: int

    def note(self) -> str:
        return (
            f"{self.events:,} events; polled again {self.spread}; first request after a start "
            f"(icalendar writes every event) p50 {self.cold_p50_ms:.1f} ms; "
            f"{self.statements} statements per request (BEGIN included)"
        )


def _add_sessions(path: Path, token: str) -> None:
    """600 more sessions on mentor 1's seats, spread from 25 days back to 60 ahead, and their token."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        first = connection.execute("SELECT max(id) FROM sessions").fetchone()[0] + 1
        rows = []
        for n in range(SEATS_PER_MENTOR * ADDED_PER_SEAT):
            seat = 1 + n % SEATS_PER_MENTOR
            starts = NOW + timedelta(days=-25 + (n * 85) // (SEATS_PER_MENTOR * ADDED_PER_SEAT), hours=n % 9)
            status = ("cancelled", "completed", "scheduled", "scheduled", "scheduled")[n % 5]
            done = ts(starts + timedelta(hours=1)) if status == "completed" else None
            cancelled = ts(starts - timedelta(days=1)) if status == "cancelled" else None
            by = mentor_user(MENTOR)
            rows.append(
                (
                    first + n, GUILD, seat, seat, status, ts(starts), 60, None, 1, by,
                    by if done else None, done, by if cancelled else None, cancelled,
                    ts(NOW - timedelta(days=30)), n % 3,
                )
            )  # fmt: skip
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO sessions (id, guild_id, seat_id, pack_id, status, starts_at, minutes, number, "
            "reminder_queued, booked_by, completed_by, completed_at, cancelled_by, cancelled_at, "
            "created_at, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.execute(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)",
            (mentor_user(MENTOR), fingerprint(token), ts(NOW - timedelta(days=1))),
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def _answers() -> None:
    return None


async def _poll(path: Path, token: str, requests: int, warmup: int, cold: int) -> FeedMeasure:
    db = open_database(sqlite_url(path))
    clock = ManualClock(NOW)
    service = Service(db, clock, Policy())
    health = HealthChecks(_answers, lambda: NOW, lambda: True, clock, timedelta(hours=1))
    door = WebDoor("127.0.0.1", 0, health=health, metrics=Metrics())
    door.add_routes(calendar_routes(service, {GUILD: "Bench Guild"}))
    url = f"{await door.start()}{calendar_path(token)}"
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("")

    try:
        async with aiohttp.ClientSession() as http:

            async def get() -> float:
                started = time.perf_counter()
                async with http.get(url) as response:
                    body = await response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200 or body.count(b"BEGIN:VEVENT") != EVENTS:
                    raise AssertionError(f"{response.status}: {body.count(b'BEGIN:VEVENT')} events")
                return elapsed

            cold_samples = []
            for _ in range(cold):
                clear_event_cache()
                cold_samples.append(await get())
            for _ in range(warmup):
                await get()
            event.listen(db.sync_engine, "before_cursor_execute", count)
            await get()
            event.remove(db.sync_engine, "before_cursor_execute", count)
            samples = [await get() for _ in range(requests)]
    finally:
        await door.stop()
        await db.dispose()
    p50, p90, p99 = (percentile(samples, q) * 1000 for q in (0.5, 0.9, 0.99))
    spread = f"p50 {p50:.2f} / p90 {p90:.2f} / p99 {p99:.2f} / max {max(samples) * 1000:.2f} ms"
    return FeedMeasure(
        p50_ms=p50,
        spread=spread,
        cold_p50_ms=percentile(cold_samples, 0.5) * 1000,
        statements=len(statements),
        events=EVENTS,
    )


def measure(seed: Path, work_dir: Path, requests: int, warmup: int, cold: int) -> FeedMeasure:
    path = copy_database(seed, work_dir / "feed.db")
    try:
        token = new_token()
        _add_sessions(path, token)
        return asyncio.run(_poll(path, token, requests, warmup, cold))
    finally:
        remove_database(path)
