"""``/complete`` end to end through SimCord: the interaction goes in, the reply comes out, the DM is sent.

The real bot (``create_bot``, without the scheduler's ticks: see ``_run``) runs on a copy of the main database inside SimCord's
simulated Discord. Mentors and students of that database are given to SimCord users (their Discord
ids are rewritten to the simulated users'), and each run is one mentor's ``/complete student`` for a
different student whose pack has 4 sessions: session 3 of 4, so every run also DMs "1 session
remaining". A run's time is ``await mentor.slash(...)``: SimCord returns once the bot has settled, i.e.
answered and finished the tasks the command started (delivery of the DM, re-arming the wake-up).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from bench.common import GUILD, NOW, Progress, copy_database, percentile, remove_database, sqlite_url
from bench.seed import MAIN_TOTALS, mentor_of
from bot import create_bot
from core.clock import ManualClock
from core.config import Settings


def pick_four_session_seats(seats: int, count: int, seed: int = 7) -> list[int]:
    four = [i for i in range(1, seats + 1) if MAIN_TOTALS[i % len(MAIN_TOTALS)] == 4]
    return random.Random(seed).sample(four, count)


async def _run(path: Path, count: int, warmup: int) -> list[float]:
    import simcord

    settings = Settings(discord_token="bench", database_url=sqlite_url(path), web_port=0)
    # Without the scheduler's real-time ticks: a 15 s delivery tick that lands during a command waits on
    # aiosqlite's thread, which SimCord cannot attribute, so it waits out its 5 s settle timeout and the
    # run measures that timeout, not the command (seen as rare 5,017 ms outliers; none without ticks).
    # The command's own path (reply, its DM, the wake-up it re-arms) is what this measures.
    bot = create_bot(settings, clock=ManualClock(NOW), run_scheduler=False)
    order = pick_four_session_seats(_seat_count(path), count + warmup)
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild(name="Bench", id=GUILD)
        channel = guild.create_text_channel("general")
        by_mentor: dict[int, list[int]] = defaultdict(list)
        for seat in order:
            by_mentor[mentor_of(seat)].append(seat)
        mentor_actor: dict[int, Any] = {}
        student_actor: dict[int, Any] = {}
        renames: list[dict[str, int]] = []
        students: list[dict[str, int]] = []
        for mentor_id, seat_ids in by_mentor.items():
            actor = guild.add_member(env.create_user(f"mentor{mentor_id}"))
            mentor_actor[mentor_id] = actor
            renames.append({"id": mentor_id, "user": actor.id})
            for seat in seat_ids:
                member = guild.add_member(env.create_user(f"student{seat}"))
                student_actor[seat] = member
                students.append({"id": seat, "user": member.id})

        def give_ids(connection: Connection) -> None:
            connection.execute(text("UPDATE mentors SET user_id = :user WHERE id = :id"), renames)
            connection.execute(text("UPDATE seats SET student_id = :user WHERE id = :id"), students)

        await bot.service.db.write(give_ids)
        await env.settle()
        samples: list[float] = []
        progress = Progress("/complete through SimCord", len(order))
        before = env.error_cursor
        for n, seat in enumerate(order):
            mentor = mentor_actor[mentor_of(seat)]
            student = student_actor[seat]
            started = time.perf_counter()
            result = await mentor.slash(channel, "complete", student=student)
            elapsed = time.perf_counter() - started
            reply = result.response.content if result.response is not None else None
            if reply is None or not reply.startswith("Session 3 of 4 completed"):
                raise AssertionError(
                    f"unexpected reply for seat {seat}: {reply!r} {env.errors_since(before)}"
                )
            if n >= warmup:
                samples.append(elapsed)
            progress.advance()
        progress.finish()
        errors = env.errors_since(before)
        if errors:
            raise AssertionError(f"the bot raised while benchmarking: {errors[:3]}")
        missing = [
            seat
            for seat in order
            if not any(
                "1 session remaining" in message.content
                for message in student_actor[seat].user.dm_channel.history()
            )
        ]
        if missing:
            raise AssertionError(f"{len(missing)} students got no DM, e.g. seat {missing[0]}")
    return samples


def _seat_count(path: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT max(id) FROM seats").fetchone()[0])
    finally:
        connection.close()


def measure(seed: Path, work_dir: Path, count: int, warmup: int) -> tuple[float, str]:
    """p99 of ``count`` runs in milliseconds, and a line on the distribution."""
    path = copy_database(seed, work_dir / "command.db")
    try:
        samples = asyncio.run(_run(path, count, warmup))
    finally:
        remove_database(path)
    p50, p90, p99 = (percentile(samples, q) * 1000 for q in (0.5, 0.9, 0.99))
    return p99, f"p50 {p50:.2f} / p90 {p90:.2f} / p99 {p99:.2f} / max {max(samples) * 1000:.2f} ms"
