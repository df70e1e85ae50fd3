"""``/book`` end to end through SimCord, and students racing for the same slots.

``command_book_p99_ms``: on a copy of the main database, the real bot (``create_bot`` without the
scheduler's ticks, as ``bench.command``) runs inside SimCord. One more mentor publishes the hours of
``bench.slots`` (14 weekly windows, 60-minute sessions, 24 hours' notice, 28 days ahead) and takes 60
students with a pack of 4 each; 150 of the mentor's slots are booked (``/schedule``'s use case), as in
``bench.slots``. A run is one student's ``/book when:<an open slot>``: the interaction goes in, the bot
defers, books in one transaction (the slot re-checked under the mentor's row), edits the reply, sends
the student's and the mentor's DM and marks them sent; SimCord returns once the bot has settled. Each
run's reply and both DMs are checked; then, untimed, the mentor cancels that session, so every run
finds the calendar as a busy week leaves it (150 booked, the open slots the rest).

``book_race_lost``: on its own SQLite file, rounds of 20 students taking the same 5 slots at once
(``asyncio.gather`` of ``book_slot`` through ``Service``): each round must end with exactly one booking
per slot and every other student told the slot was just taken. Lost = slots booked twice or not at all,
plus students neither booked nor told, summed over the rounds.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from pathlib import Path
from typing import Any

from bench import slots
from bench.common import GUILD, NOW, Progress, copy_database, percentile, remove_database, sqlite_url
from bot import create_bot
from core import hours
from core.clock import ManualClock
from core.config import Settings
from core.db import open_database
from core.domain import Actor, Policy
from core.hours import SlotNotOpen
from core.hours.labels import WEEKDAYS
from core.packs import grant_pack
from core.seats import register_mentor
from core.service import Service
from core.sessions import book_slot, cancel_session, schedule_session
from core.settings import set_time_zone

ADMIN = Actor(1, is_admin=True)
RACE_STUDENTS, RACE_SLOTS = 20, 5


async def _program(service: Service, mentor: int, students: list[int], length: int, sessions: int) -> None:
    """The mentor's hours (every day, all day, ``length``-minute sessions) and a pack per student."""
    await service.write(
        register_mentor,
        guild_id=GUILD,
        actor=ADMIN,
        mentor_user_id=mentor,
        mentor_name="hours",
        seats_capacity=100,
    )
    for day in WEEKDAYS:
        await service.write(
            hours.add_window, guild_id=GUILD, actor=Actor(mentor), day=day, start="00:00", end="24:00"
        )
    await service.write(hours.set_booking_rules, guild_id=GUILD, actor=Actor(mentor), length=length)
    for student in students:
        await service.write(
            grant_pack,
            guild_id=GUILD,
            actor=ADMIN,
            student_user_id=student,
            student_name=f"s{student % 10_000}",
            mentor_user_id=mentor,
            sessions_count=sessions,
            valid_days=90,
        )


async def _command(path: Path, count: int, warmup: int) -> list[float]:
    import simcord

    bot = create_bot(
        Settings(discord_token="bench", database_url=sqlite_url(path)),
        clock=ManualClock(NOW),
        run_scheduler=False,
    )
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild(name="Bench", id=GUILD)
        channel = guild.create_text_channel("general")
        mentor = guild.add_member(env.create_user("hours"))
        students = [guild.add_member(env.create_user(f"student{n}")) for n in range(len(slots.STUDENTS))]
        await _busy_week(bot.service, mentor.id, [student.id for student in students])
        shown = await bot.service.read(hours.hours_shown, guild_id=GUILD, actor=Actor(mentor.id), slots=1000)
        open_ = [slot.starts_at for slot in shown.next_slots]
        await env.settle()
        samples: list[float] = []
        progress = Progress("/book through SimCord", count + warmup)
        before = env.error_cursor
        for n in range(count + warmup):
            student, at = students[n % len(students)], open_[n % len(open_)]
            started = time.perf_counter()
            result = await student.slash(channel, "book", when=at.isoformat())
            elapsed = time.perf_counter() - started
            session = _check(result, student, mentor, n)
            await bot.service.write(
                cancel_session, guild_id=GUILD, actor=Actor(mentor.id), session_id=session
            )
            if n >= warmup:
                samples.append(elapsed)
            progress.advance()
        progress.finish()
        errors = env.errors_since(before)
        if errors:
            raise AssertionError(f"the bot raised while benchmarking: {errors[:3]}")
    return samples


async def _busy_week(service: Service, mentor: int, students: list[int]) -> None:
    """``bench.slots``' mentor (Europe/Berlin, 14 weekly windows) with these 60 students, 150 booked."""
    await service.write(
        register_mentor,
        guild_id=GUILD,
        actor=ADMIN,
        mentor_user_id=mentor,
        mentor_name="hours",
        seats_capacity=60,
    )
    await service.write(set_time_zone, guild_id=GUILD, user_id=mentor, zone="Europe/Berlin")
    for day, start, end in slots.WINDOWS:
        await service.write(
            hours.add_window, guild_id=GUILD, actor=Actor(mentor), day=day, start=start, end=end
        )
    for student in students:
        await service.write(
            grant_pack,
            guild_id=GUILD,
            actor=ADMIN,
            student_user_id=student,
            student_name=f"s{student % 1000}",
            mentor_user_id=mentor,
            sessions_count=4,
            valid_days=90,
        )
    shown = await service.read(hours.hours_shown, guild_id=GUILD, actor=Actor(mentor), slots=1000)
    picked = sorted(random.Random(21).sample([slot.starts_at for slot in shown.next_slots], slots.BOOKED))
    owners = [student for n, student in enumerate(students) for _ in range(3 if n < 30 else 2)]
    for at, student in zip(picked, random.Random(22).sample(owners, len(owners)), strict=True):
        await service.write(
            schedule_session,
            guild_id=GUILD,
            actor=Actor(mentor),
            student_user_id=student,
            when=at.isoformat(),
        )


def _check(result: Any, student: Any, mentor: Any, n: int) -> int:
    """The session the run booked, once its reply and both DMs are checked."""
    reply = result.response.content if result.response is not None else None
    found = re.match(r"Booked session #(\d+) ", reply or "")
    if found is None:
        raise AssertionError(f"unexpected reply for run {n}: {reply!r}")
    mine = student.user.dm_channel.history()
    theirs = mentor.user.dm_channel.history()
    if not mine or "You booked a 60-minute session" not in mine[-1].content:
        raise AssertionError(f"run {n}: the student got no booking DM")
    if not theirs or "booked a 60-minute session with you" not in theirs[-1].content:
        raise AssertionError(f"run {n}: the mentor got no booking DM")
    return int(found.group(1))


async def _race(path: Path, rounds: int) -> tuple[int, str]:
    db = open_database(sqlite_url(path))
    lost = booked_total = told_total = 0
    try:
        await db.migrate()
        service = Service(db, ManualClock(NOW), Policy())
        students = [10_000 + n for n in range(RACE_STUDENTS)]
        # 52 sessions each (the most a pack holds): a student who wins every round still has one to book.
        await _program(service, 9_999, students, length=60, sessions=52)
        shown = await service.read(
            hours.hours_shown, guild_id=GUILD, actor=Actor(9_999), slots=RACE_SLOTS * rounds
        )
        for round_ in range(rounds):
            slots = [
                slot.starts_at for slot in shown.next_slots[round_ * RACE_SLOTS : (round_ + 1) * RACE_SLOTS]
            ]
            outcomes = await asyncio.gather(
                *(
                    service.write(
                        book_slot,
                        guild_id=GUILD,
                        actor=Actor(student),
                        when=slots[index % RACE_SLOTS].isoformat(),
                    )
                    for index, student in enumerate(students)
                ),
                return_exceptions=True,
            )
            booked = [outcome.sessions[0].starts_at for outcome in outcomes if hasattr(outcome, "sessions")]
            told = [
                outcome
                for outcome in outcomes
                if isinstance(outcome, SlotNotOpen) and "just taken" in outcome.message
            ]
            lost += sum(abs(booked.count(at) - 1) for at in slots)
            lost += RACE_STUDENTS - len(booked) - len(told)
            booked_total += len(booked)
            told_total += len(told)
    finally:
        await db.dispose()
    return lost, f"{rounds} rounds: {booked_total} bookings, {told_total} told it was just taken"


def measure_command(main_seed: Path, work_dir: Path, count: int, warmup: int) -> tuple[float, str]:
    """p99 of ``count`` /book runs in milliseconds, and a line on the distribution."""
    path = copy_database(main_seed, work_dir / "book.db")
    try:
        samples = asyncio.run(_command(path, count, warmup))
    finally:
        remove_database(path)
    p50, p90, p99 = (percentile(samples, q) * 1000 for q in (0.5, 0.9, 0.99))
    return p99, f"p50 {p50:.2f} / p90 {p90:.2f} / p99 {p99:.2f} / max {max(samples) * 1000:.2f} ms"


def measure_race(work_dir: Path, rounds: int) -> tuple[int, str]:
    """Students lost (double-booked, unbooked slots, or students neither booked nor told) over ``rounds``."""
    path = work_dir / "race.db"
    remove_database(path)
    try:
        return asyncio.run(_race(path, rounds))
    finally:
        remove_database(path)
