"""Helpers for the rule tests of core, beside the shared builders of ``tests.conftest``.

Kept free of ``tests.conftest`` imports so that worker processes (spawned for the races) import
only core and this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, func, select, text

from core.clock import ManualClock
from core.db import open_database
from core.domain import Actor, Policy
from core.errors import Refusal
from core.schema import history, mentors, notifications, packs, seats, sessions
from core.service import Service
from core.sessions import SessionCompleted, complete_session

OTHER_GUILD = 2000
OTHER_ADMIN = Actor(2, is_admin=True)

# Every table whose rows a use case may change, in the order a snapshot lists them.
TABLES = (mentors, seats, packs, sessions, notifications, history)

T = TypeVar("T")


class HasService(Protocol):
    service: Service


def _snapshot(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]
        for table in TABLES
    }


async def snapshot(program: HasService) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rules table: two snapshots are equal when nothing changed."""
    return await program.service.db.read(_snapshot)


@asynccontextmanager
async def changes_nothing(program: HasService) -> AsyncIterator[None]:
    """Assert that the block (a refusal) leaves every table as it found it."""
    before = await snapshot(program)
    yield
    after = await snapshot(program)
    assert after == before, "a refusal changed the database"


async def history_rows(program: HasService, action: str | None = None) -> list[Any]:
    query = select(history).order_by(history.c.id)
    if action is not None:
        query = query.where(history.c.action == action)
    return await program.service.db.read(lambda c: list(c.execute(query)))


async def completed_sessions(program: HasService, pack_id: int) -> int:
    query = (
        select(func.count())
        .select_from(sessions)
        .where(sessions.c.pack_id == pack_id, sessions.c.status == "completed")
    )
    count: int = await program.service.db.read(lambda c: c.execute(query).scalar_one())
    return count


async def notification_keys(program: HasService) -> list[str]:
    query = select(notifications.c.key).order_by(notifications.c.id)
    return await program.service.db.read(lambda c: list(c.execute(query).scalars()))


async def held_seats(program: HasService, mentor_user_id: int, guild_id: int) -> tuple[int, int]:
    """(mentors.seats_held, live seats counted) for a mentor: the two must always agree."""

    def read(connection: Connection) -> tuple[int, int]:
        mentor = connection.execute(
            select(mentors.c.id, mentors.c.seats_held).where(
                mentors.c.user_id == mentor_user_id, mentors.c.guild_id == guild_id
            )
        ).one()
        counted = connection.execute(
            select(func.count())
            .select_from(seats)
            .where(seats.c.mentor_id == mentor.id, seats.c.status.in_(["active", "grace"]))
        ).scalar_one()
        return int(mentor.seats_held), int(counted)

    return await program.service.db.read(read)


async def outcomes(calls: Sequence[Awaitable[T]]) -> tuple[list[T], list[Refusal]]:
    """Run ``calls`` at once; split what they returned from the refusals they raised.

    Anything else raised (an integrity error, a deadlock that was not retried) fails the test.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    done: list[T] = []
    refused: list[Refusal] = []
    for result in results:
        if isinstance(result, Refusal):
            refused.append(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            done.append(result)
    return done, refused


def fresh(results: Sequence[SessionCompleted]) -> list[SessionCompleted]:
    """The completions that took a session (not the ones answered "already completed")."""
    return [result for result in results if not result.already_completed]


# ---- races in OS processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceJob:
    """What one worker process does: complete ``session_id`` ``repeats`` times (as the seat's mentor),
    and record ``unscheduled`` sessions for ``pack_student`` with request keys unique to the worker."""

    url: str
    schema: str | None
    now: datetime
    guild_id: int
    mentor_user_id: int
    session_student: int
    session_id: int
    repeats: int
    pack_student: int
    unscheduled: int
    worker: int
    concurrency: int = 5


@dataclass(frozen=True)
class RaceTally:
    worker: int
    session_fresh: int
    session_already: int
    pack_fresh: int
    pack_refused: int
    errors: tuple[str, ...]


async def _race(job: RaceJob, start: Callable[[], None]) -> RaceTally:
    database = open_database(job.url, schema=job.schema)
    service = Service(database, ManualClock(job.now), Policy())
    gate = asyncio.Semaphore(job.concurrency)  # bounds the connections each process opens
    actor = Actor(job.mentor_user_id)

    async def complete(student: int, session_id: int | None, key: str | None) -> SessionCompleted:
        async with gate:
            return await service.write(
                complete_session,
                guild_id=job.guild_id,
                actor=actor,
                student_user_id=student,
                session_id=session_id,
                request_key=key,
            )

    try:
        await database.read(lambda c: c.execute(text("SELECT 1")).scalar())  # connect before the start
        await asyncio.to_thread(start)
        session_calls = [complete(job.session_student, job.session_id, None) for _ in range(job.repeats)]
        pack_calls = [complete(job.pack_student, None, f"w{job.worker}-{n}") for n in range(job.unscheduled)]
        results = await asyncio.gather(*session_calls, *pack_calls, return_exceptions=True)
    finally:
        await database.dispose()
    errors = tuple(
        repr(result)
        for result in results
        if isinstance(result, BaseException) and not isinstance(result, Refusal)
    )
    on_session = results[: job.repeats]
    on_pack = results[job.repeats :]
    return RaceTally(
        worker=job.worker,
        session_fresh=sum(isinstance(r, SessionCompleted) and not r.already_completed for r in on_session),
        session_already=sum(isinstance(r, SessionCompleted) and r.already_completed for r in on_session),
        pack_fresh=sum(isinstance(r, SessionCompleted) and not r.already_completed for r in on_pack),
        pack_refused=sum(isinstance(r, Refusal) for r in on_pack),
        errors=errors,
    )


def race_in_process(job: RaceJob, barrier: Any, results: Any) -> None:
    """A worker process's entry point (spawned): wait for every worker, then race."""
    try:
        tally = asyncio.run(_race(job, barrier.wait))
    except BaseException as error:  # report, so the parent fails with the cause, not a timeout
        tally = RaceTally(job.worker, 0, 0, 0, 0, (repr(error),))
    results.put(tally)
