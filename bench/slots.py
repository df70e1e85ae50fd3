"""Open slots: what ``/book``'s autocomplete and menu cost in core, reads included.

On a copy of the main database (so the reads find their rows among the main seed's mentors, seats and
sessions, through the indexes they would use in a running bot), one more mentor in Europe/Berlin
publishes 14 weekly windows (09:00–12:00 and 14:00–18:00 every day) with the server's defaults (24
hours' notice, 28 days ahead: from 2026-03-02 to 2026-03-29, across Berlin's spring change), and takes
60 students, each with a pack of 4; 150 of the mentor's slots are then booked (three sessions for half
of the students, two for the others), all through the use cases. A run is one
``await service.read(open_slots_for, …)`` for one of the 60 students in turn (a new transaction, both
statements, the pure function). Checked: every run returns the slots ``/hours show`` finds open for the
mentor (the students' sessions are all with this mentor), none of them booked.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import (
    GUILD,
    MENTOR_BASE,
    NOW,
    STUDENT_BASE,
    copy_database,
    percentile,
    remove_database,
    sqlite_url,
)
from core import hours
from core.clock import ManualClock
from core.db import open_database
from core.domain import Actor, Policy
from core.hours.labels import WEEKDAYS
from core.packs import grant_pack
from core.seats import register_mentor
from core.service import Service
from core.sessions import schedule_session
from core.settings import set_time_zone

MENTOR = MENTOR_BASE + 900_000  # not one of the seed's mentors
STUDENTS = [STUDENT_BASE + 9_000_000 + n for n in range(60)]  # nor its students
WINDOWS = [(day, start, end) for day in WEEKDAYS for start, end in (("09:00", "12:00"), ("14:00", "18:00"))]
BOOKED = 150
ADMIN = Actor(1, is_admin=True)


@dataclass(frozen=True)
class Measured:
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int
    open_slots: int
    statements: int  # per read, BEGIN included

    def __str__(self) -> str:
        return (
            f"p50 {self.p50_ms:.2f} / p99 {self.p99_ms:.2f} / max {self.max_ms:.2f} ms ({self.samples:,} reads; "
            f"{self.open_slots} slots open of {self.open_slots + BOOKED} in 28 days; "
            f"{self.statements} statements per read, BEGIN included)"
        )


async def _program(service: Service) -> list[datetime]:
    """The mentor, their hours and students, and 150 booked sessions; the instants booked."""
    await service.write(
        register_mentor,
        guild_id=GUILD,
        actor=ADMIN,
        mentor_user_id=MENTOR,
        mentor_name="hours",
        seats_capacity=60,
    )
    await service.write(set_time_zone, guild_id=GUILD, user_id=MENTOR, zone="Europe/Berlin")
    for day, start, end in WINDOWS:
        await service.write(
            hours.add_window, guild_id=GUILD, actor=Actor(MENTOR), day=day, start=start, end=end
        )
    for student in STUDENTS:
        await service.write(
            grant_pack,
            guild_id=GUILD,
            actor=ADMIN,
            student_user_id=student,
            student_name=f"s{student % 1000}",
            mentor_user_id=MENTOR,
            sessions_count=4,
            valid_days=90,
        )
    shown = await service.read(hours.hours_shown, guild_id=GUILD, actor=Actor(MENTOR), slots=1000)
    picked = sorted(random.Random(21).sample([slot.starts_at for slot in shown.next_slots], BOOKED))
    owners = [student for n, student in enumerate(STUDENTS) for _ in range(3 if n < 30 else 2)]
    for at, student in zip(picked, random.Random(22).sample(owners, len(owners)), strict=True):
        await service.write(
            schedule_session,
            guild_id=GUILD,
            actor=Actor(MENTOR),
            student_user_id=student,
            when=at.isoformat(),
            minutes=60,
        )
    return picked


async def _measure(path: Path, reads: int, warmup: int) -> Measured:
    db = open_database(sqlite_url(path))
    try:
        await db.migrate()
        service = Service(db, ManualClock(NOW), Policy())
        booked = set(await _program(service))
        shown = await service.read(hours.hours_shown, guild_id=GUILD, actor=Actor(MENTOR), slots=1000)
        expected = [slot.starts_at for slot in shown.next_slots]
        statements = await _statements(service)
        samples: list[float] = []
        for n in range(warmup + reads):
            started = time.perf_counter()
            found = await service.read(
                hours.open_slots_for, guild_id=GUILD, student_user_id=STUDENTS[n % 60], mentor_user_id=MENTOR
            )
            elapsed = time.perf_counter() - started
            starts = [slot.starts_at for slot in found.slots]
            if starts != expected or booked & set(starts):
                raise AssertionError(f"read {n} found {len(starts)} slots, /hours show {len(expected)}")
            if n >= warmup:
                samples.append(elapsed)
    finally:
        await db.dispose()
    return Measured(
        percentile(samples, 0.50) * 1000,
        percentile(samples, 0.99) * 1000,
        max(samples) * 1000,
        len(samples),
        len(expected),
        statements,
    )


async def _statements(service: Service) -> int:
    seen: list[str] = []

    def catch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(service.db.sync_engine, "before_cursor_execute", catch)
    try:
        await service.read(
            hours.open_slots_for, guild_id=GUILD, student_user_id=STUDENTS[0], mentor_user_id=MENTOR
        )
    finally:
        event.remove(service.db.sync_engine, "before_cursor_execute", catch)
    return len([statement for statement in seen if not statement.startswith("COMMIT")])


def measure(main_seed: Path, work_dir: Path, reads: int, warmup: int) -> Measured:
    """Milliseconds per read of the open slots, on a fresh copy of the main seed."""
    path = copy_database(main_seed, work_dir / "slots.db")
    try:
        return asyncio.run(_measure(path, reads, warmup))
    finally:
        remove_database(path)
