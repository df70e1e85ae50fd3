"""R0 each server is its own program, R12 repeats end in the state of one run, R13 history."""

from datetime import timedelta

import pytest

from core.domain import Actor
from core.errors import NoFreeSeat, NotAllowed, NotFound, NothingToDo
from core.seats import my_seats, seat_board
from core.seats import views as seat_views
from core.sessions import cancel_session, session_choices
from tests.conftest import ADMIN, START, Program
from tests.core.helpers import (
    OTHER_ADMIN,
    OTHER_GUILD,
    changes_nothing,
    history_rows,
    notification_keys,
    snapshot,
)


def other_server(program: Program) -> Program:
    """A second Discord server sharing the database (and the clock) with ``program``."""
    return Program(program.service, program.clock, guild_id=OTHER_GUILD, admin=OTHER_ADMIN)


# ---- R0: scope ------------------------------------------------------------------------------------------


async def test_another_servers_admin_cannot_complete_or_cancel_a_session_here(program: Program) -> None:
    await program.mentor()
    granted = await program.grant()
    booked = await program.schedule()
    there = other_server(program)
    async with changes_nothing(program):
        with pytest.raises(NotFound):
            await there.complete(session=booked.session_id, actor=OTHER_ADMIN)
        with pytest.raises(NotFound):
            await there.complete(student=20, key="x", actor=OTHER_ADMIN)
        with pytest.raises(NotFound):
            await program.service.write(
                cancel_session, guild_id=OTHER_GUILD, actor=OTHER_ADMIN, session_id=booked.session_id
            )
    assert (await program.pack(granted.pack_id)).sessions_left == 4


async def test_another_servers_admin_cannot_grant_a_seat_with_a_mentor_here(program: Program) -> None:
    await program.mentor(10, seats=1)
    there = other_server(program)
    async with changes_nothing(program):
        with pytest.raises(NotFound, match="not a mentor here"):
            await there.grant(student=20, mentor=10)


async def test_a_mentor_here_is_not_a_mentor_of_the_same_student_in_another_server(program: Program) -> None:
    await program.mentor(10)
    await program.grant(student=20, mentor=10)
    there = other_server(program)
    await there.mentor(11)
    await there.grant(student=20, mentor=11)
    async with changes_nothing(program):
        # mentor 10 acting in the other server, where student 20's seat is with mentor 11
        with pytest.raises(NotAllowed):
            await there.complete(student=20, mentor=10, key="x")
        with pytest.raises(NotAllowed):
            await there.schedule(student=20, mentor=10)


async def test_the_same_mentor_and_student_in_two_servers_have_separate_seats_packs_and_capacity(
    program: Program,
) -> None:
    there = other_server(program)
    await program.mentor(10, seats=1)
    await there.mentor(10, seats=1)
    here_pack = await program.grant(student=20, mentor=10, sessions=2)
    there_pack = await there.grant(student=20, mentor=10, sessions=2)
    assert here_pack.seat_id != there_pack.seat_id
    done = await there.complete(student=20, mentor=10, key="x")
    assert done.pack_id == there_pack.pack_id
    assert (await program.pack(here_pack.pack_id)).sessions_left == 2
    assert (await program.seat(there_pack.seat_id)).guild_id == OTHER_GUILD
    [one_left] = await program.notifications("one_left")
    assert one_left.guild_id == OTHER_GUILD


async def test_roster_and_seats_views_show_only_this_server(program: Program) -> None:
    there = other_server(program)
    await program.mentor(10, seats=2)
    await there.mentor(10, seats=5)
    await program.grant(student=20, mentor=10)
    await there.grant(student=21, mentor=10)
    await there.grant(student=22, mentor=10, sessions=1)
    await there.complete(student=22, mentor=10, key="x")
    roster = await program.service.read(seat_views.roster, guild_id=program.guild_id, mentor_user_id=10)
    assert roster is not None
    assert (roster.capacity, roster.seats_held, [s.student_user_id for s in roster.seats]) == (2, 1, [20])
    loads = await program.service.read(seat_board, guild_id=program.guild_id, actor=ADMIN)
    assert [(load.mentor_user_id, load.capacity, load.seats_held, load.grace_seats) for load in loads] == [
        (10, 2, 1, ())
    ]
    there_loads = await program.service.read(seat_board, guild_id=OTHER_GUILD, actor=ADMIN)
    assert [(load.capacity, load.seats_held, len(load.grace_seats)) for load in there_loads] == [(5, 2, 1)]
    with pytest.raises(NotFound, match="You're not a mentor here"):
        await program.service.read(seat_views.roster, guild_id=program.guild_id, mentor_user_id=11)


async def test_only_an_admin_may_see_every_mentors_seats(program: Program) -> None:
    await program.mentor(10, seats=2)
    with pytest.raises(NotAllowed, match="Only an admin"):
        await program.service.read(seat_board, guild_id=program.guild_id, actor=Actor(10))


async def test_mysessions_in_a_server_lists_that_server_and_in_a_dm_every_server(program: Program) -> None:
    there = other_server(program)
    await program.mentor(10)
    await there.mentor(11)
    await program.grant(student=20, mentor=10, sessions=3)
    await there.grant(student=20, mentor=11, sessions=5)
    here = await program.service.read(my_seats, user_id=20, guild_id=program.guild_id)
    everywhere = await program.service.read(my_seats, user_id=20)
    assert [(seat.guild_id, seat.mentor_user_id, seat.sessions_left) for seat in here] == [
        (program.guild_id, 10, 3)
    ]
    assert sorted((seat.guild_id, seat.sessions_left) for seat in everywhere) == [
        (program.guild_id, 3),
        (OTHER_GUILD, 5),
    ]


async def test_session_choices_offer_only_this_servers_sessions(program: Program) -> None:
    there = other_server(program)
    await program.mentor(10)
    await there.mentor(10)
    await program.grant(student=20, mentor=10)
    await there.grant(student=20, mentor=10)
    here_booked = await program.schedule(student=20, mentor=10)
    await there.schedule(student=20, mentor=10)
    for actor in (Actor(10), ADMIN):
        choices = await program.service.read(
            session_choices, guild_id=program.guild_id, actor=actor, student_user_id=20
        )
        assert [choice.session_id for choice in choices] == [here_booked.session_id]


# ---- R12: repeats end in the state of one run -----------------------------------------------------------


async def test_a_sweep_run_again_changes_nothing_and_queues_no_second_notification(program: Program) -> None:
    await program.mentor(10, seats=3)
    await program.grant(student=20, sessions=1)
    await program.complete(student=20, key="a")
    await program.grant(student=21, valid_days=4)
    await program.grant(student=22)
    await program.schedule(student=22, at=START + timedelta(hours=70))
    await program.later(hours=61)
    first = await program.sweep()
    assert (len(first.final_warnings), len(first.expiry_warnings), len(first.session_reminders)) == (1, 1, 1)
    state = await snapshot(program)
    second = await program.sweep()
    assert not second.changed
    assert await snapshot(program) == state
    keys = await notification_keys(program)
    assert len(keys) == len(set(keys))


async def test_a_completion_repeated_by_session_or_by_request_takes_one_session(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(minutes=10))
    await program.complete(session=booked.session_id)
    await program.complete(key="k")
    state = await snapshot(program)
    for _ in range(3):
        await program.complete(session=booked.session_id)
        await program.complete(key="k")
    assert await snapshot(program) == state
    assert (await program.pack(granted.pack_id)).sessions_left == 2


async def test_a_cancellation_repeated_is_refused_and_changes_nothing(program: Program) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule()
    await program.cancel(booked.session_id)
    async with changes_nothing(program):
        with pytest.raises(NothingToDo):
            await program.cancel(booked.session_id)
    assert len(await program.notifications("session_cancelled")) == 1


async def test_each_notification_is_keyed_by_kind_subject_and_period(program: Program) -> None:
    await program.mentor()
    first = await program.grant(sessions=2)
    await program.complete(key="a")
    await program.complete(key="b")
    booked_on = await program.grant(sessions=2)
    booked = await program.schedule(at=START + timedelta(days=3))
    await program.complete(key="c")
    keys = await notification_keys(program)
    seat = first.seat_id
    assert keys == [
        f"one_left:pack:{first.pack_id}",
        f"pack_complete:pack:{first.pack_id}",
        f"grace_started:seat:{seat}:1",
        f"session_booked:session:{booked.session_id}",
        f"one_left:pack:{booked_on.pack_id}",
    ]


# ---- R13: history ---------------------------------------------------------------------------------------


async def test_every_change_records_who_did_it_what_and_when(program: Program) -> None:
    await program.mentor(10, seats=1)
    granted = await program.grant(student=20, sessions=2, valid_days=30)
    await program.later(hours=1)
    booked = await program.schedule(at=START + timedelta(days=2))
    await program.later(hours=1)
    await program.cancel(booked.session_id)
    await program.later(hours=1)
    done = await program.complete(key="a", actor=ADMIN)
    await program.later(hours=1)
    await program.complete(key="b")
    await program.later(hours=72)
    await program.sweep()
    rows = await history_rows(program)
    hour = timedelta(hours=1)
    seat, pack = granted.seat_id, granted.pack_id
    assert [(row.action, row.actor_id, row.at, row.seat_id, row.pack_id) for row in rows] == [
        ("mentor_registered", ADMIN.user_id, START, None, None),
        ("seat_reserved", None, START, seat, None),
        ("pack_granted", ADMIN.user_id, START, seat, pack),
        ("session_booked", 10, START + hour, seat, pack),
        ("session_cancelled", 10, START + 2 * hour, seat, pack),
        ("session_completed", ADMIN.user_id, START + 3 * hour, seat, pack),
        ("seat_grace_started", None, START + 4 * hour, seat, pack),
        ("session_completed", 10, START + 4 * hour, seat, pack),
        ("seat_released", None, START + 76 * hour, seat, None),
    ]
    completed = [row for row in rows if row.action == "session_completed"]
    assert completed[0].session_id == done.session_id


async def test_a_refusal_records_no_history(program: Program) -> None:
    await program.mentor(10, seats=0)
    before = len(await history_rows(program))
    with pytest.raises(NoFreeSeat):
        await program.grant()
    assert len(await history_rows(program)) == before
