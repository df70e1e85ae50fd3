"""Delivery throughput: draining due notifications through ``core.delivery.deliver`` with a sender that
does nothing, so what is measured is the outbox's own work (claims, staleness checks, marking sent).

The notifications go into a copy of the main database (beside its 100,000 sent ones), all due and all
still applicable, of four kinds in turn: a booking, a session reminder, an expiry warning and a "one
left" reminder, so every staleness rule runs its check.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

from bench.common import GUILD, NOW, copy_database, remove_database, sqlite_url, ts
from bench.seed import mentor_of, mentor_user, student_of
from core.clock import ManualClock
from core.db import open_database
from core.delivery import deliver
from core.domain import Policy
from core.outbox import Claimed
from core.service import Service

KINDS = ("session_booked", "session_reminder", "expiry_warning", "one_left")


class NullSender:
    """Sends nothing, instantly."""

    sent = 0

    async def send_dm(self, notification: Claimed) -> None:
        self.sent += 1

    async def post_fallback(self, notification: Claimed) -> bool:
        return False


def _queue(path: Path, count: int) -> None:
    due = ts(NOW - timedelta(minutes=1))
    rows = []
    for seat in range(1, count + 1):
        kind = KINDS[seat % len(KINDS)]
        session = 4 * seat if kind in ("session_booked", "session_reminder") else None
        rows.append(
            (
                GUILD, f"bench-{kind}:{seat}", kind, student_of(seat), mentor_user(mentor_of(seat)), seat,
                seat, session, None, f"bench {kind} for seat {seat}", "pending", due, due, 0, 0, due,
            )
        )  # fmt: skip
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        connection.executemany(
            'INSERT INTO notifications (guild_id, "key", kind, recipient_id, mentor_user_id, seat_id, '
            "pack_id, session_id, seat_period, body, status, due_at, next_attempt_at, lease_token, "
            "attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def _drain(path: Path, count: int) -> float:
    db = open_database(sqlite_url(path))
    try:
        await db.migrate()
        service = Service(db, ManualClock(NOW), Policy())
        sender = NullSender()
        started = time.perf_counter()
        report = await deliver(service, sender)
        elapsed = time.perf_counter() - started
    finally:
        await db.dispose()
    if report.sent != count or sender.sent != count:
        raise AssertionError(f"delivered {report} with {sender.sent} sends, expected {count} sent")
    return elapsed


def measure(seed: Path, work_dir: Path, count: int) -> float:
    """Notifications delivered per second."""
    path = copy_database(seed, work_dir / "delivery.db")
    try:
        _queue(path, count)
        return count / asyncio.run(_drain(path, count))
    finally:
        remove_database(path)
