"""The sweep's cost against the size of the program: the same 1,000 due items among 1,000,000 packs and
among 10,000 packs.

One run is what the bot does on a sweep tick besides delivery: the sweep transaction (expire, release,
queue the warnings and reminders that are due) and the ``next_due`` read that arms the next wake-up.
Each run starts from a fresh copy of the seeded database, opened by a new ``Database`` (SQLite's own
page cache cold, the operating system's warm, as in a bot that sweeps once an hour).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from bench.common import NOW, copy_database, median, remove_database, sqlite_url
from bench.seed import due_slots
from core.clock import ManualClock
from core.db import open_database
from core.domain import Policy
from core.service import Service
from core.sweep import next_due, sweep


async def _one(path: Path, packs: int, due: int) -> float:
    db = open_database(sqlite_url(path))
    try:
        await db.migrate()  # also opens the writer's connection, as a running bot has it open
        await db.read(lambda connection: None)  # and a reader's
        service = Service(db, ManualClock(NOW), Policy())
        started = time.perf_counter()
        report = await service.write(sweep)
        await service.read(next_due)
        elapsed = time.perf_counter() - started
    finally:
        await db.dispose()
    kinds = Counter(due_slots(packs, due).values())
    found = {
        "expire": len(report.expired_packs),
        "release": len(report.released_seats) - kinds["expire"],  # an expired pack's seat goes too
        "final_warning": len(report.final_warnings),
        "expiry_warning": len(report.expiry_warnings),
        "reminder": len(report.session_reminders),
    }
    if found != {kind: kinds[kind] for kind in found}:
        raise AssertionError(f"the sweep found {found}, expected {dict(kinds)}")
    return elapsed


def _timed(seed: Path, work_dir: Path, packs: int, due: int) -> float:
    path = copy_database(seed, work_dir / "sweep.db")
    try:
        return asyncio.run(_one(path, packs, due))
    finally:
        remove_database(path)


def measure(
    big: tuple[Path, int], small: tuple[Path, int], work_dir: Path, due: int, runs: int
) -> tuple[float, float]:
    """Median milliseconds of ``runs`` sweeps on each (seed, packs), each on a fresh copy.

    The two sizes take turns, so a change in the machine's load between runs hits both alike."""
    big_samples, small_samples = [], []
    for _ in range(runs):
        big_samples.append(_timed(big[0], work_dir, big[1], due))
        small_samples.append(_timed(small[0], work_dir, small[1], due))
    return median(big_samples) * 1000, median(small_samples) * 1000
