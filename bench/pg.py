"""Several processes completing sessions on one PostgreSQL database at once, and what the final state says.

The parent migrates a schema of its own (``bench_<random>``) and seeds it server-side: packs of 52
sessions, all booked, one pack per seat. Each of the worker processes (``python -m bench.pg ...``) takes
every n-th session in its own shuffled order and completes them through ``Service`` and
``complete_session`` (by session id, as ``/complete student session`` does), several at a time, for the
given seconds after a common start. Sessions are distinct, packs are shared: the processes keep taking
sessions off the same packs at the same time, which is where a read-modify-write would lose updates.

Lost updates are counted from the final state: completions the workers were told succeeded, sessions
marked completed, sessions taken off packs, and bookings released must all be the same number; every
difference counts. 0 is the only right answer.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import BigInteger, Connection, DateTime, Integer, bindparam, text

from bench.common import (
    ADMIN_USER,
    DEFAULT_TEST_DATABASE_URL,
    GUILD,
    MENTOR_BASE,
    NOW,
    SEATS_PER_MENTOR,
    STUDENT_BASE,
    say,
)
from bench.seed import mentor_of, mentor_user, student_of
from core.clock import ManualClock
from core.db import open_database
from core.domain import Actor, Policy
from core.service import Service
from core.sessions import complete_session

PACK_SESSIONS = 52
WARMUP = 5


@dataclass(frozen=True)
class PgResult:
    per_s: float
    lost_updates: int
    detail: str


# Snowflakes need 64 bits, and asyncpg types a parameter from its context unless told.
_TYPES = {
    "guild": BigInteger(),
    "admin": BigInteger(),
    "mentor_base": BigInteger(),
    "student_base": BigInteger(),
    "now": DateTime(timezone=True),
    "per_mentor": Integer(),
    "mentors": Integer(),
    "packs": Integer(),
    "n": Integer(),
}


def _seed(connection: Connection, packs: int) -> None:
    mentors = (packs + SEATS_PER_MENTOR - 1) // SEATS_PER_MENTOR
    values = {
        "guild": GUILD,
        "admin": ADMIN_USER,
        "now": NOW,
        "mentor_base": MENTOR_BASE,
        "student_base": STUDENT_BASE,
        "per_mentor": SEATS_PER_MENTOR,
        "mentors": mentors,
        "packs": packs,
        "n": PACK_SESSIONS,
    }
    for statement in (
        """INSERT INTO mentors (id, guild_id, user_id, display_name, capacity, seats_held, created_at,
               updated_at)
           SELECT m, :guild, :mentor_base + m, 'mentor' || m, :per_mentor,
                  least(:per_mentor, :packs - (m - 1) * :per_mentor), :now, :now
           FROM generate_series(1, :mentors) AS m""",
        """INSERT INTO seats (id, guild_id, mentor_id, student_id, student_name, status, active_packs,
               grace_period, final_warning_queued, created_at)
           SELECT i, :guild, (i - 1) / :per_mentor + 1, :student_base + i, 'student' || i, 'active', 1, 0,
                  false, :now
           FROM generate_series(1, :packs) AS i""",
        """INSERT INTO packs (id, guild_id, seat_id, sessions_total, sessions_left, sessions_booked,
               sessions_forfeited, status, granted_at, ends_at, expiry_warned, granted_by)
           SELECT i, :guild, i, :n, :n, :n, 0, 'active', :now - interval '1 day', :now + interval '60 days',
                  false, :admin
           FROM generate_series(1, :packs) AS i""",
        """INSERT INTO sessions (id, guild_id, seat_id, pack_id, status, starts_at, minutes,
               reminder_queued, booked_by, created_at)
           SELECT j, :guild, (j - 1) / :n + 1, (j - 1) / :n + 1, 'scheduled',
                  :now - interval '1 hour', 60, true, :mentor_base + ((j - 1) / :n) / :per_mentor + 1,
                  :now - interval '1 day'
           FROM generate_series(1, :packs * :n) AS j""",
    ):
        clause = text(statement)
        typed = [
            bindparam(name, type_=kind)
            for name, kind in _TYPES.items()
            if re.search(rf":{name}\b", statement)
        ]
        connection.execute(clause.bindparams(*typed), values)
    for table in ("mentors", "seats", "packs", "sessions"):
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
    connection.execute(text("ANALYZE"))


def _final_state(connection: Connection) -> dict[str, int]:
    row = connection.execute(
        text(
            """SELECT
                 (SELECT count(*) FROM sessions WHERE status = 'completed') AS completed_rows,
                 (SELECT coalesce(sum(sessions_total - sessions_left - sessions_forfeited), 0)
                    FROM packs) AS taken_off_packs,
                 (SELECT coalesce(sum(:n - sessions_booked), 0) FROM packs) AS bookings_released,
                 (SELECT count(*) FROM packs WHERE sessions_left < 0 OR sessions_booked < 0) AS negative"""
        ),
        {"n": PACK_SESSIONS},
    ).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def _setup(url: str, schema: str, packs: int) -> None:
    db = open_database(url, schema=schema)
    try:
        await db.migrate()
        await db.write(lambda connection: _seed(connection, packs))
    finally:
        await db.dispose()


async def _inspect(url: str, schema: str) -> dict[str, int]:
    db = open_database(url, schema=schema)
    try:
        return await db.read(_final_state)
    finally:
        await db.dispose()


async def _drop(url: str, schema: str) -> None:
    db = open_database(url)
    try:
        await db.write(
            lambda connection: connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        )
    finally:
        await db.dispose()


async def reachable(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    db = open_database(url)
    try:
        await asyncio.wait_for(db.read(lambda connection: connection.execute(text("SELECT 1"))), 10)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await db.dispose()
    return None


def measure(url: str, processes: int, tasks: int, packs: int, seconds: float) -> PgResult:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    say(f"pg: seeding schema {schema}: {packs:,} packs of {PACK_SESSIONS} booked sessions")
    asyncio.run(_setup(url, schema, packs))
    try:
        start_at = time.time() + 3.0 + processes * 0.5  # time for every worker to import and connect
        workers = [
            subprocess.Popen(
                [
                    sys.executable, "-m", "bench.pg", "--url", url, "--schema", schema, "--index", str(index),
                    "--processes", str(processes), "--tasks", str(tasks), "--packs", str(packs),
                    "--start-at", repr(start_at), "--seconds", repr(seconds),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
            for index in range(processes)
        ]  # fmt: skip
        say(f"pg: {processes} processes x {tasks} in flight, {seconds:g} s")
        reports = []
        for worker in workers:
            out, err = worker.communicate(timeout=seconds + 120)
            if worker.returncode != 0:
                raise RuntimeError(f"a PostgreSQL worker failed:\n{err[-3000:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        state = asyncio.run(_inspect(url, schema))
    finally:
        asyncio.run(_drop(url, schema))
    told = sum(report["completed"] + report["warmup"] for report in reports)
    timed = sum(report["completed"] for report in reports)
    elapsed = max(report["elapsed"] for report in reports)
    taken = state["taken_off_packs"]
    lost = (
        abs(told - taken)
        + abs(state["completed_rows"] - taken)
        + abs(state["bookings_released"] - taken)
        + state["negative"]
    )
    errors = sum(report["errors"] for report in reports)
    exhausted = sum(report["exhausted"] for report in reports)
    detail = (
        f"{told:,} completions reported, {state['completed_rows']:,} sessions completed, {taken:,} taken off "
        f"packs, {state['bookings_released']:,} bookings released; {errors} errors"
        + (f"; {exhausted} workers ran out of sessions" if exhausted else "")
    )
    if errors:
        raise RuntimeError(f"PostgreSQL workers hit errors: {detail}; {reports}")
    return PgResult(per_s=timed / elapsed, lost_updates=lost, detail=detail)


# ---- one worker process ----------------------------------------------------------------------------


async def _work(args: argparse.Namespace) -> dict[str, float]:
    db = open_database(args.url, schema=args.schema)
    service = Service(db, ManualClock(NOW), Policy())
    ids = list(range(args.index + 1, args.packs * PACK_SESSIONS + 1, args.processes))
    random.Random(args.index).shuffle(ids)
    queue = iter(ids)
    counts: dict[str, float] = {"completed": 0, "warmup": 0, "errors": 0, "already": 0, "exhausted": 0}

    async def complete(session_id: int) -> None:
        seat = (session_id - 1) // PACK_SESSIONS + 1
        try:
            result = await service.write(
                complete_session,
                guild_id=GUILD,
                actor=Actor(mentor_user(mentor_of(seat))),
                student_user_id=student_of(seat),
                session_id=session_id,
            )
        except Exception as error:
            counts["errors"] += 1
            print(f"session {session_id}: {type(error).__name__}: {error}", file=sys.stderr)
            return
        if result.already_completed:
            counts["already"] += 1

    try:
        for session_id in itertools.islice(queue, WARMUP):
            await complete(session_id)
            counts["warmup"] += 1
        await asyncio.sleep(max(0.0, args.start_at - time.time()))
        started = time.perf_counter()
        deadline = started + args.seconds

        async def runner() -> None:
            for session_id in queue:
                if time.perf_counter() >= deadline:
                    return
                before = counts["errors"]
                await complete(session_id)
                if counts["errors"] == before:
                    counts["completed"] += 1
            counts["exhausted"] = 1

        await asyncio.gather(*(runner() for _ in range(args.tasks)))
        counts["elapsed"] = time.perf_counter() - started
    finally:
        await db.dispose()
    return counts


def _worker_main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--packs", type=int, required=True)
    parser.add_argument("--start-at", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    counts = asyncio.run(_work(parser.parse_args()))
    print(json.dumps(counts))


def database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


if __name__ == "__main__":
    _worker_main()
