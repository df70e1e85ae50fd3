"""What every benchmark shares: the fixed instant, the sizes, database files, timing and progress."""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Every seeded row is laid out around this instant; the program's clock is a ManualClock set to it.
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
GUILD = 910_000_000_000_000_001
ADMIN_USER = 900_000_000_000_000_001
MENTOR_BASE = 700_000_000_000_000_000
STUDENT_BASE = 800_000_000_000_000_000
SEATS_PER_MENTOR = 100  # the largest capacity a mentor can have

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = BENCH_DIR / "data"
DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is. ``full`` is what the targets are about; ``quick`` is a smoke test."""

    name: str
    main_seats: int  # seats = packs on the main database; 4 sessions per pack
    completions: int
    warmup: int
    commands: int
    sweep_big: int  # packs on the large sweep database
    sweep_small: int  # packs on the small one
    sweep_due: int  # due items on both
    sweep_runs: int
    notifications: int
    pg_seconds: float
    pg_processes: int
    pg_tasks: int  # concurrent completions in flight per process
    pg_packs: int  # 52 booked sessions each
    feed_requests: int  # a mentor's feed of 1,000 sessions asked for again and again
    feed_warmup: int
    feed_cold: int  # requests with the event cache cleared before each
    slot_reads: int = 1_000  # reads of one mentor's open slots (bench.slots)
    slot_warmup: int = 60
    race_rounds: int = 20  # rounds of 20 students taking the same 5 slots at once (bench.book)
    webhook_events: int = 2_000  # distinct signed checkouts posted to the Stripe webhook (bench.webhook)


FULL = Sizes(
    name="full",
    main_seats=100_000,
    completions=2_000,
    warmup=200,
    commands=500,
    sweep_big=1_000_000,
    sweep_small=10_000,
    sweep_due=1_000,
    sweep_runs=9,
    notifications=10_000,
    pg_seconds=10.0,
    pg_processes=4,
    pg_tasks=4,
    pg_packs=400,
    feed_requests=200,
    feed_warmup=20,
    feed_cold=5,
)
QUICK = Sizes(
    name="quick",
    main_seats=2_000,
    completions=200,
    warmup=20,
    commands=30,
    sweep_big=20_000,
    sweep_small=2_000,
    sweep_due=200,
    sweep_runs=1,
    notifications=1_000,
    pg_seconds=2.0,
    pg_processes=4,
    pg_tasks=2,
    pg_packs=50,
    feed_requests=30,
    feed_warmup=5,
    feed_cold=2,
    slot_reads=120,
    slot_warmup=20,
    race_rounds=3,
    webhook_events=200,
)


@functools.lru_cache(maxsize=65_536)
def ts(moment: datetime) -> str:
    """An instant as SQLAlchemy stores it on SQLite (naive UTC text, microseconds).

    Cached: seeding lays out millions of rows from a few thousand distinct instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def copy_database(source: Path, target: Path) -> Path:
    """A fresh working copy of a seeded database (the seed stays untouched for the next run)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    # On disk before anything is measured: otherwise the kernel's writeback of the fresh copy (up to
    # hundreds of megabytes) competes with the commits being timed.
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return target


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so a plain file copy is the whole database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


# ---- measuring -------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 samples is the 1,980th smallest)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def median(samples: Iterable[float]) -> float:
    return statistics.median(list(samples))


class Progress:
    """A one-line progress counter on stderr (``label: 40,000 / 100,000``)."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.started = time.perf_counter()
        self._shown = self.started
        self.tty = sys.stderr.isatty()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.perf_counter()
        if now - self._shown >= (0.2 if self.tty else 5.0):
            self._shown = now
            self._print(end="\r" if self.tty else "\n")

    def finish(self) -> None:
        self.done = self.total
        self._print(end="\n")

    def _print(self, end: str) -> None:
        elapsed = time.perf_counter() - self.started
        sys.stderr.write(f"  {self.label}: {self.done:,} / {self.total:,} ({elapsed:.1f} s){end}")
        sys.stderr.flush()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def fsync_latency(directory: Path, count: int = 200) -> str:
    """How long this disk takes to make 4 KB durable right now (p50 / p99): what every commit waits for."""
    path = directory / "fsync.probe"
    samples = []
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(count):
            os.write(descriptor, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(descriptor)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(descriptor)
        path.unlink(missing_ok=True)
    return f"fsync of 4 KB p50 {percentile(samples, 0.5) * 1000:.2f} ms, p99 {percentile(samples, 0.99) * 1000:.2f} ms"
