"""Races (R3, R12): the same or competing commands at once, in one process and in four.

Every race runs on SQLite and on PostgreSQL. ``outcomes`` fails the test on anything but a result or a
refusal (an integrity error or a deadlock that leaked out is a bug, not a lost race).
"""

import asyncio
import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.domain import Actor
from core.errors import NoFreeSeat, NothingToDo
from core.packs import grant_pack
from core.schema import packs, sessions
from core.sessions import SessionCancelled, SessionCompleted, schedule_session
from tests.conftest import START, Program, Store
from tests.core.helpers import (
    RaceJob,
    RaceTally,
    completed_sessions,
    fresh,
    held_seats,
    history_rows,
    notification_keys,
    outcomes,
    race_in_process,
    snapshot,
)


async def test_200_concurrent_completions_of_one_booked_session_take_exactly_one_session(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(minutes=30))
    await program.later(minutes=30)
    done, refused = await outcomes([program.complete(session=booked.session_id) for _ in range(200)])
    assert refused == []
    [winner] = fresh(done)
    assert (winner.session_id, winner.number, winner.left) == (booked.session_id, 1, 3)
    assert {result.completed_at for result in done} == {START + timedelta(minutes=30)}
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked) == (3, 0)
    assert await completed_sessions(program, granted.pack_id) == 1
    assert len(await history_rows(program, "session_completed")) == 1


async def test_50_unscheduled_completions_at_once_against_3_sessions_left_succeed_3_times(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=5)
    await program.complete(key="first")
    await program.complete(key="second")
    done, refused = await outcomes([program.complete(key=f"race-{n}") for n in range(50)])
    assert sorted(result.number for result in fresh(done)) == [3, 4, 5]
    assert len(refused) == 47
    assert all(isinstance(error, NothingToDo) for error in refused)
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.status) == (0, "depleted")
    assert await completed_sessions(program, granted.pack_id) == 5
    assert len(await history_rows(program, "session_completed")) == 5
    assert len(await history_rows(program, "seat_grace_started")) == 1
    assert (await program.seat(granted.seat_id)).status == "grace"
    assert sorted(await program.kinds()) == ["grace_started", "one_left", "pack_complete"]


async def test_50_completions_at_once_of_3_booked_sessions_and_unscheduled_ones_take_exactly_the_3_left(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=3)
    booked = [await program.schedule(at=START + timedelta(days=day)) for day in (1, 2, 3)]
    named = [program.complete(session=b.session_id) for b in booked for _ in range(10)]
    unscheduled = [program.complete(key=f"race-{n}") for n in range(20)]
    done, refused = await outcomes(named + unscheduled)
    assert sorted(result.session_id for result in fresh(done)) == [b.session_id for b in booked]
    assert sorted(result.number for result in fresh(done)) == [1, 2, 3]
    assert len(refused) == 20
    assert all(isinstance(error, NothingToDo) for error in refused)
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked, pack.status) == (0, 0, "depleted")
    assert sorted(await program.kinds()).count("pack_complete") == 1
    assert len(await history_rows(program, "seat_grace_started")) == 1


async def test_the_same_request_run_20_times_at_once_completes_one_session(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    done, refused = await outcomes([program.complete(key="interaction:7") for _ in range(20)])
    assert refused == []
    [winner] = fresh(done)
    assert {result.session_id for result in done} == {winner.session_id}
    assert (await program.pack(granted.pack_id)).sessions_left == 3


async def test_the_same_grant_request_run_20_times_at_once_grants_one_pack(program: Program) -> None:
    await program.mentor(seats=1)
    calls = [
        program.service.write(
            grant_pack,
            guild_id=program.guild_id,
            actor=program.admin,
            student_user_id=20,
            student_name="student20",
            mentor_user_id=10,
            request_key="interaction:11",
        )
        for _ in range(20)
    ]
    done, refused = await outcomes(calls)
    assert refused == []
    [first] = [result for result in done if not result.already_granted]
    assert {result.pack_id for result in done} == {first.pack_id}
    granted = await program.rows(select(func.count()).select_from(packs))
    assert granted == [(1,)]


async def test_the_same_booking_request_run_20_times_at_once_books_one_session(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    calls = [
        program.service.write(
            schedule_session,
            guild_id=program.guild_id,
            actor=Actor(10),
            student_user_id=20,
            when=(START + timedelta(days=1)).isoformat(),
            request_key="interaction:12",
        )
        for _ in range(20)
    ]
    done, refused = await outcomes(calls)
    assert refused == []
    assert len({result.session_id for result in done}) == 1
    assert [result.already_booked for result in done].count(False) == 1
    assert (await program.pack(granted.pack_id)).sessions_booked == 1
    assert await program.kinds() == ["session_booked"]


async def test_a_completion_and_a_cancellation_of_one_session_at_once_apply_one_of_them(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2)
    booked = await program.schedule(at=START + timedelta(days=1))
    calls = [
        program.complete(session=booked.session_id) if n % 2 else program.cancel(booked.session_id)
        for n in range(20)
    ]
    done, refused = await outcomes(calls)
    completions = fresh([r for r in done if isinstance(r, SessionCompleted)])
    cancellations = [r for r in done if isinstance(r, SessionCancelled)]
    assert len(completions) + len(cancellations) == 1
    assert all(isinstance(error, NothingToDo) for error in refused)
    session = await program.session(booked.session_id)
    pack = await program.pack(granted.pack_id)
    assert pack.sessions_booked == 0
    if completions:
        assert (session.status, pack.sessions_left) == ("completed", 1)
    else:
        assert (session.status, pack.sessions_left) == ("cancelled", 2)


async def test_10_bookings_at_once_against_3_sessions_left_book_3(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=3)
    done, refused = await outcomes(
        [program.schedule(at=START + timedelta(days=1, hours=n)) for n in range(10)]
    )
    assert len(done) == 3
    assert len(refused) == 7
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked) == (3, 3)


async def test_grants_for_10_students_at_once_never_take_more_seats_than_the_capacity(
    program: Program,
) -> None:
    await program.mentor(10, seats=3)
    done, refused = await outcomes([program.grant(student=100 + n) for n in range(10)])
    assert len(done) == 3
    assert len(refused) == 7
    assert all(isinstance(error, NoFreeSeat) for error in refused)
    assert await held_seats(program, 10, program.guild_id) == (3, 3)
    assert len({result.seat_id for result in done}) == 3


async def test_grants_for_one_student_at_once_all_go_on_one_seat(program: Program) -> None:
    await program.mentor(10, seats=3)
    done, refused = await outcomes([program.grant(student=20, sessions=2) for _ in range(8)])
    assert refused == []
    assert len({result.seat_id for result in done}) == 1
    assert sum(result.new_seat for result in done) == 1
    assert await held_seats(program, 10, program.guild_id) == (1, 1)


async def test_four_sweeps_at_once_do_the_work_of_one(program: Program) -> None:
    await program.mentor(10, seats=30)
    expiring = [await program.grant(student=100 + n, valid_days=2) for n in range(4)]
    ended = [await program.grant(student=200 + n, sessions=1) for n in range(4)]
    for n in range(4):
        await program.complete(student=200 + n, key=f"end-{n}")
    await program.later(hours=12)
    warned = [await program.grant(student=300 + n, sessions=1) for n in range(4)]
    for n in range(4):
        await program.complete(student=300 + n, key=f"warn-{n}")
    nearly = [await program.grant(student=400 + n, valid_days=5) for n in range(4)]
    for n in range(4):
        await program.grant(student=500 + n)
    reminded = [
        (await program.schedule(student=500 + n, at=START + timedelta(hours=80))).session_id for n in range(4)
    ]
    await program.later(hours=60)  # 72 h after START: the first grace periods end, the others warn
    reports = await asyncio.gather(*(program.sweep() for _ in range(4)))

    def union(field: str) -> list[int]:
        ids = [i for report in reports for i in getattr(report, field)]
        assert len(ids) == len(set(ids)), f"two sweeps both did {field}"
        return sorted(ids)

    assert union("expired_packs") == sorted(g.pack_id for g in expiring)
    assert union("released_seats") == sorted(g.seat_id for g in expiring + ended)
    assert union("final_warnings") == sorted(g.seat_id for g in warned)
    assert union("expiry_warnings") == sorted(g.pack_id for g in nearly)
    assert union("session_reminders") == sorted(reminded)
    assert union("notification_ids") == sorted(
        row.id for row in await program.notifications() if row.created_at == START + timedelta(hours=72)
    )
    assert await held_seats(program, 10, program.guild_id) == (12, 12)
    assert len(await history_rows(program, "pack_expired")) == 4
    assert len(await history_rows(program, "seat_released")) == 8
    keys = await notification_keys(program)
    assert len(keys) == len(set(keys))
    state = await snapshot(program)
    assert not (await program.sweep()).changed
    assert await snapshot(program) == state


# ---- four OS processes -----------------------------------------------------------------------------------


WORKERS = 4


@pytest.mark.slow
async def test_four_processes_racing_one_session_and_one_pack_take_exactly_what_is_there(
    program: Program, store: Store
) -> None:
    await program.mentor(10, seats=5)
    booked_pack = await program.grant(student=20, sessions=4)
    booked = await program.schedule(student=20, at=START + timedelta(hours=2))
    three_left = await program.grant(student=21, sessions=5)
    await program.complete(student=21, key="first")
    await program.complete(student=21, key="second")
    await program.later(hours=2)

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    queue = context.Queue()
    jobs = [
        RaceJob(
            url=store.url,
            schema=store.schema,
            now=program.clock.now(),
            guild_id=program.guild_id,
            mentor_user_id=10,
            session_student=20,
            session_id=booked.session_id,
            repeats=25,
            pack_student=21,
            unscheduled=12,
            worker=worker,
        )
        for worker in range(WORKERS)
    ]
    processes = [context.Process(target=race_in_process, args=(job, barrier, queue)) for job in jobs]
    for process in processes:
        process.start()
    try:
        tallies: list[RaceTally] = [await asyncio.to_thread(queue.get, True, 120) for _ in processes]
    finally:
        for process in processes:
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()
    assert [tally.errors for tally in tallies] == [()] * WORKERS
    assert sum(tally.session_fresh for tally in tallies) == 1
    assert sum(tally.session_already for tally in tallies) == WORKERS * 25 - 1
    assert sum(tally.pack_fresh for tally in tallies) == 3
    assert sum(tally.pack_refused for tally in tallies) == WORKERS * 12 - 3

    assert (await program.pack(booked_pack.pack_id)).sessions_left == 3
    pack = await program.pack(three_left.pack_id)
    assert (pack.sessions_left, pack.status) == (0, "depleted")
    assert await completed_sessions(program, three_left.pack_id) == 5
    assert len(await history_rows(program, "session_completed")) == 2 + 1 + 3
    assert len(await program.notifications("pack_complete")) == 1
    per_pack = await program.rows(
        select(sessions.c.pack_id, func.count())
        .where(sessions.c.status == "completed")
        .group_by(sessions.c.pack_id)
    )
    assert sorted(tuple(row) for row in per_pack) == sorted(
        [(booked_pack.pack_id, 1), (three_left.pack_id, 5)]
    )
