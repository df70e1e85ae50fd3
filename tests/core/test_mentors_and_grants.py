"""R1 registering mentors and their capacity, R2 granting packs onto seats."""

from datetime import timedelta

import pytest

from core import outbox
from core.domain import Actor
from core.errors import InvalidInput, NoFreeSeat, NotAllowed, NotFound
from core.outcomes import mark_sent
from tests.conftest import ADMIN, START, Program
from tests.core.helpers import changes_nothing, held_seats, history_rows

# ---- R1: mentors ----------------------------------------------------------------------------------------


async def test_registering_a_mentor_records_their_capacity_and_who_did_it(program: Program) -> None:
    registered = await program.mentor(10, seats=3)
    assert (registered.capacity, registered.previous_capacity, registered.seats_held) == (3, None, 0)
    rows = await history_rows(program, "mentor_registered")
    assert [(row.actor_id, row.at) for row in rows] == [(ADMIN.user_id, START)]


async def test_registering_a_mentor_again_changes_their_capacity(program: Program) -> None:
    await program.mentor(10, seats=3)
    changed = await program.mentor(10, seats=5)
    assert (changed.capacity, changed.previous_capacity) == (5, 3)
    assert len(await history_rows(program, "mentor_capacity_changed")) == 1
    for student in (20, 21, 22, 23, 24):
        await program.grant(student=student)
    assert await held_seats(program, 10, program.guild_id) == (5, 5)


@pytest.mark.parametrize("capacity", [-1, 101])
async def test_a_capacity_outside_0_to_100_is_refused_and_nothing_is_written(
    program: Program, capacity: int
) -> None:
    await program.mentor(10, seats=2)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match="between 0 and 100"):
            await program.mentor(10, seats=capacity)
        with pytest.raises(InvalidInput):
            await program.mentor(11, seats=capacity)


async def test_capacities_0_and_100_are_accepted(program: Program) -> None:
    assert (await program.mentor(10, seats=0)).capacity == 0
    assert (await program.mentor(11, seats=100)).capacity == 100


async def test_only_an_admin_can_register_a_mentor(program: Program) -> None:
    program.admin = Actor(10)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed, match="Only an admin"):
            await program.mentor(10, seats=3)


async def test_lowering_capacity_below_the_seats_held_evicts_no_one(program: Program) -> None:
    await program.mentor(10, seats=3)
    grants = [await program.grant(student=student) for student in (20, 21, 22)]
    lowered = await program.mentor(10, seats=1)
    assert (lowered.capacity, lowered.seats_held) == (1, 3)
    assert [(await program.seat(g.seat_id)).status for g in grants] == ["active"] * 3
    # the students keep using their packs
    assert (await program.complete(student=21, key="a")).left == 3


async def test_after_lowering_capacity_no_new_seat_is_given_until_held_seats_are_below_it(
    program: Program,
) -> None:
    await program.mentor(10, seats=2)
    first = await program.grant(student=20, sessions=1)
    second = await program.grant(student=21, sessions=1)
    await program.mentor(10, seats=1)
    async with changes_nothing(program):
        with pytest.raises(NoFreeSeat):
            await program.grant(student=22)
    # one seat released: 1 held of 1, still no free seat
    await program.complete(student=20, key="a")
    await program.later(hours=72)
    assert (await program.sweep()).released_seats == (first.seat_id,)
    with pytest.raises(NoFreeSeat):
        await program.grant(student=22)
    # a student who holds a seat can still renew on it
    renewal = await program.grant(student=21)
    assert renewal.seat_id == second.seat_id
    await program.complete(student=21, key="b")
    await program.complete(student=21, key="c")
    await program.complete(student=21, key="d")
    await program.complete(student=21, key="e")
    await program.complete(student=21, key="f")
    await program.later(hours=72)
    assert (await program.sweep()).released_seats == (second.seat_id,)
    assert (await program.grant(student=22)).new_seat
    assert await held_seats(program, 10, program.guild_id) == (1, 1)


# ---- R2: grants -----------------------------------------------------------------------------------------


async def test_a_grant_takes_a_free_seat_with_the_default_pack_size_and_validity(program: Program) -> None:
    await program.mentor(10, seats=2)
    granted = await program.grant(student=20)
    assert (granted.new_seat, granted.renewed_from_grace, granted.sessions) == (True, False, 4)
    assert granted.ends_at == START + timedelta(days=90)
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_total, pack.sessions_left, pack.status, pack.ends_at) == (
        4,
        4,
        "active",
        START + timedelta(days=90),
    )
    seat = await program.seat(granted.seat_id)
    assert (seat.status, seat.student_id, seat.guild_id) == ("active", 20, program.guild_id)
    assert await held_seats(program, 10, program.guild_id) == (1, 1)


async def test_a_grant_records_the_sessions_and_validity_it_was_given(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=52, valid_days=730)
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_total, pack.ends_at) == (52, START + timedelta(days=730))
    smallest = await program.grant(student=21, sessions=1, valid_days=1)
    assert (await program.pack(smallest.pack_id)).ends_at == START + timedelta(days=1)


async def test_a_second_pack_joins_the_students_active_seat_without_taking_another_seat(
    program: Program,
) -> None:
    await program.mentor(10, seats=1)
    first = await program.grant(student=20)
    second = await program.grant(student=20, sessions=6)
    assert (second.seat_id, second.new_seat, second.renewed_from_grace) == (first.seat_id, False, False)
    assert second.sessions_left_on_seat == 10
    assert await held_seats(program, 10, program.guild_id) == (1, 1)


async def test_a_grant_to_a_seat_in_grace_returns_it_to_active_and_clears_the_grace_deadline(
    program: Program,
) -> None:
    await program.mentor(10, seats=1)
    first = await program.grant(sessions=1)
    await program.complete(key="a")
    assert (await program.seat(first.seat_id)).status == "grace"
    await program.later(hours=10)
    renewal = await program.grant(sessions=4)
    assert (renewal.seat_id, renewal.new_seat, renewal.renewed_from_grace) == (first.seat_id, False, True)
    seat = await program.seat(first.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("active", None)
    assert await held_seats(program, 10, program.guild_id) == (1, 1)
    # the old grace deadline passing releases nothing
    await program.later(hours=72)
    assert (await program.sweep()).released_seats == ()


async def test_after_a_renewal_in_grace_the_final_warning_is_never_queued(program: Program) -> None:
    await program.mentor()
    first = await program.grant(sessions=1)
    await program.complete(key="a")
    await program.later(hours=30)
    await program.grant()
    await program.later(hours=40)  # past the old warning moment (grace end − 12 h)
    report = await program.sweep()
    assert report.final_warnings == ()
    assert await program.notifications("final_warning") == []
    assert (await program.seat(first.seat_id)).status == "active"


async def test_after_a_renewal_in_grace_a_queued_final_warning_is_dropped_not_sent(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1)
    await program.complete(key="a")
    # drain what completing queued, so the claim below sees only the warning
    first = await program.service.write(outbox.claim)
    await program.service.write(mark_sent, [(item.id, item.lease_token) for item in first.items])
    await program.later(hours=61)
    assert len((await program.sweep()).final_warnings) == 1
    await program.grant()  # renews before delivery
    batch = await program.service.write(outbox.claim)
    assert (batch.items, batch.dropped) == ([], 1)
    assert [row.status for row in await program.notifications("final_warning")] == ["dropped"]


async def test_a_grant_without_a_free_seat_is_refused_and_writes_nothing(program: Program) -> None:
    await program.mentor(10, seats=1)
    await program.grant(student=20)
    async with changes_nothing(program):
        with pytest.raises(NoFreeSeat, match=r"no free seat \(1 of 1 seat held\)"):
            await program.grant(student=21)
    await program.mentor(11, seats=0)
    async with changes_nothing(program):
        with pytest.raises(NoFreeSeat):
            await program.grant(student=21, mentor=11)


@pytest.mark.parametrize(
    ("sessions", "valid_days", "message"),
    [
        (0, 90, "1 to 52 sessions"),
        (53, 90, "1 to 52 sessions"),
        (4, 0, "1 to 730 days"),
        (4, 731, "1 to 730 days"),
    ],
)
async def test_a_grant_outside_the_allowed_sizes_is_refused_and_writes_nothing(
    program: Program, sessions: int, valid_days: int, message: str
) -> None:
    await program.mentor()
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match=message):
            await program.grant(sessions=sessions, valid_days=valid_days)


async def test_a_grant_with_someone_who_is_not_a_mentor_here_is_refused(program: Program) -> None:
    await program.mentor(10)
    async with changes_nothing(program):
        with pytest.raises(NotFound, match="not a mentor here"):
            await program.grant(mentor=11)


async def test_only_an_admin_can_grant_a_pack(program: Program) -> None:
    await program.mentor(10)
    program.admin = Actor(10)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed):
            await program.grant(student=20, mentor=10)


async def test_a_mentor_cannot_be_granted_a_seat_with_themselves(program: Program) -> None:
    await program.mentor(10)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput):
            await program.grant(student=10, mentor=10)


async def test_a_student_whose_seat_was_released_gets_a_new_seat_on_the_next_grant(program: Program) -> None:
    await program.mentor(10, seats=1)
    first = await program.grant(sessions=1)
    await program.complete(key="a")
    await program.later(hours=72)
    await program.sweep()
    again = await program.grant()
    assert again.new_seat
    assert again.seat_id != first.seat_id
    assert (await program.seat(first.seat_id)).status == "released"
    assert await held_seats(program, 10, program.guild_id) == (1, 1)


async def test_one_student_can_hold_seats_with_several_mentors(program: Program) -> None:
    await program.mentor(10, seats=1)
    await program.mentor(11, seats=1)
    with_10 = await program.grant(student=20, mentor=10)
    with_11 = await program.grant(student=20, mentor=11)
    assert with_10.seat_id != with_11.seat_id
    assert await held_seats(program, 10, program.guild_id) == (1, 1)
    assert await held_seats(program, 11, program.guild_id) == (1, 1)


async def test_a_mentor_takes_new_students_one_after_another_up_to_the_capacity(program: Program) -> None:
    await program.mentor(10, seats=12)
    granted = [await program.grant(student=100 + n) for n in range(12)]
    assert all(result.new_seat for result in granted)
    assert len({result.seat_id for result in granted}) == 12
    with pytest.raises(NoFreeSeat):
        await program.grant(student=200)
    assert await held_seats(program, 10, program.guild_id) == (12, 12)
