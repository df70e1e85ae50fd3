"""R19 at the rule level, on SQLite and PostgreSQL: a full mentor's line, offers on a freed seat, the
answers, the hold running out, and capacity held to under every path (also with a grant racing)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core import waitlist as wl
from core.domain import Actor
from core.errors import NoFreeSeat, NotAllowed, NothingToDo
from core.schema import mentors, seats, waitlist
from core.sweep import SweepReport
from tests.conftest import Program

MENTOR = 10
ALICE, BOB, CARA, DAN = 20, 21, 22, 23


async def join(program: Program, student: int, mentor: int = MENTOR) -> Any:
    return await program.service.write(
        wl.join_waitlist,
        guild_id=program.guild_id,
        actor=Actor(student),
        mentor_user_id=mentor,
        student_name=f"student{student}",
    )


async def held(program: Program) -> tuple[int, int, int]:
    """(seats_held on the mentor row, seats counted from the rows, capacity)."""
    row = (await program.rows(select(mentors.c.seats_held, mentors.c.capacity, mentors.c.id)))[0]
    counted = (
        await program.rows(
            select(func.count())
            .select_from(seats)
            .where(seats.c.mentor_id == row.id, seats.c.status.in_(["active", "grace", "offered"]))
        )
    )[0][0]
    return row.seats_held, counted, row.capacity


async def offered_to(program: Program) -> list[int]:
    rows = await program.rows(select(seats.c.student_id).where(seats.c.status == "offered"))
    return [row.student_id for row in rows]


async def release_alices_seat(program: Program, pack: int) -> SweepReport:
    """Alice completes her one-session pack and lets the grace run out: the sweep releases her seat."""
    await program.complete(student=ALICE)
    await program.later(hours=73)
    report = await program.sweep()
    assert report.released_seats
    return report


@pytest.fixture
async def full_mentor_with_three_waiting(program: Program) -> int:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(student=ALICE, sessions=1)
    for student in (BOB, CARA, DAN):
        await join(program, student)
    return granted.pack_id


async def test_a_release_offers_the_seat_to_the_first_decline_to_the_second_a_lapse_to_the_third(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    report = await release_alices_seat(program, full_mentor_with_three_waiting)
    assert await offered_to(program) == [BOB]
    assert await held(program) == (1, 1, 1)
    offer = (await program.notifications("waitlist_offer"))[0]
    assert offer.recipient_id == BOB
    assert report.offered_seats == (offer.seat_id,)

    declined = await program.service.write(wl.decline_offer, actor=Actor(BOB), seat_id=offer.seat_id)
    assert not declined.accepted
    assert await offered_to(program) == [CARA]
    assert await held(program) == (1, 1, 1)

    await program.later(hours=23)
    assert (await program.sweep()).lapsed_offers == ()
    await program.later(hours=1)
    report = await program.sweep()
    assert len(report.lapsed_offers) == 1
    assert await offered_to(program) == [DAN]
    assert await held(program) == (1, 1, 1)
    statuses = {
        row.student_id: row.status
        for row in await program.rows(select(waitlist.c.student_id, waitlist.c.status))
    }
    assert statuses == {BOB: "declined", CARA: "lapsed", DAN: "offered"}
    assert [row.recipient_id for row in await program.notifications("waitlist_offer")] == [BOB, CARA, DAN]


async def test_a_grant_takes_the_offered_seat_and_the_offer_dm_goes_stale(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    await release_alices_seat(program, full_mentor_with_three_waiting)
    offer = (await program.notifications("waitlist_offer"))[0]
    # Not delivered yet: once the seat is granted, the offer no longer applies.
    granted = await program.grant(student=BOB)
    assert granted.seat_id == offer.seat_id
    assert (await program.seat(offer.seat_id)).status == "active"
    assert await held(program) == (1, 1, 1)
    from core.outbox import claim

    batch = await program.service.write(claim)
    assert offer.id not in [item.id for item in batch.items]
    assert (await program.notifications("waitlist_offer"))[0].status == "dropped"
    # Cara, next in line, gets nothing: no seat is free.
    assert await offered_to(program) == []
    with pytest.raises(NoFreeSeat):
        await program.grant(student=CARA)


async def test_join_is_refused_while_the_mentor_has_a_free_seat_and_twice_in_one_line(
    program: Program,
) -> None:
    await program.mentor(MENTOR, seats=1)
    with pytest.raises(NothingToDo, match="has a free seat"):
        await join(program, BOB)
    await program.grant(student=ALICE)
    with pytest.raises(NothingToDo, match="already hold a seat"):
        await join(program, ALICE)
    await join(program, BOB)
    with pytest.raises(NothingToDo, match="already #1"):
        await join(program, BOB)


async def test_more_capacity_offers_the_new_seats_in_order(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    registered = await program.mentor(MENTOR, seats=3)
    assert len(registered.offered_seats) == 2
    assert sorted(await offered_to(program)) == [BOB, CARA]
    assert await held(program) == (3, 3, 3)


async def test_only_the_student_answers_an_offer_and_accept_tells_the_admins_once(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    await release_alices_seat(program, full_mentor_with_three_waiting)
    seat_id = (await program.notifications("waitlist_offer"))[0].seat_id
    with pytest.raises(NotAllowed):
        await program.service.write(wl.decline_offer, actor=Actor(CARA), seat_id=seat_id)
    first, second = await asyncio.gather(
        program.service.write(wl.accept_offer, actor=Actor(BOB), seat_id=seat_id),
        program.service.write(wl.accept_offer, actor=Actor(BOB), seat_id=seat_id),
    )
    assert sorted([first.already, second.already]) == [False, True]
    assert len(await program.notifications("waitlist_accepted")) == 1
    assert (await program.seat(seat_id)).status == "offered"  # Accept keeps the hold


async def test_leaving_with_an_offer_passes_the_seat_on(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    await release_alices_seat(program, full_mentor_with_three_waiting)
    left = await program.service.write(
        wl.leave_waitlist, guild_id=program.guild_id, actor=Actor(BOB), mentor_user_id=MENTOR
    )
    assert left.offer_released
    assert await offered_to(program) == [CARA]
    places = await program.service.read(wl.waitlist_places, guild_id=program.guild_id, actor=Actor(MENTOR))
    assert [(place.student_user_id, place.position) for place in places] == [(CARA, 1), (DAN, 2)]
    mine = await program.service.read(wl.waitlist_places, guild_id=program.guild_id, actor=Actor(DAN))
    assert [(place.student_user_id, place.position) for place in mine] == [(DAN, 2)]


async def test_a_grant_racing_an_offer_for_the_last_seat_never_exceeds_capacity(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    # Alice's pack is used up and her grace over; the sweep (which offers the freed seat to Bob) races a
    # grant to Eve, who is not in line, for that one seat.
    await program.complete(student=ALICE)
    await program.later(hours=73)
    outcomes = await asyncio.gather(program.sweep(), program.grant(student=30), return_exceptions=True)
    assert await held(program) == (1, 1, 1)
    # The release and the offer are one transaction: before it Alice holds the seat, after it Bob.
    assert isinstance(outcomes[1], NoFreeSeat)
    assert await offered_to(program) == [BOB]


async def test_a_grant_to_the_offered_student_racing_their_decline_ends_in_one_seat(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    await release_alices_seat(program, full_mentor_with_three_waiting)
    seat_id = (await program.notifications("waitlist_offer"))[0].seat_id
    await asyncio.gather(
        program.grant(student=BOB),
        program.service.write(wl.decline_offer, actor=Actor(BOB), seat_id=seat_id),
        return_exceptions=True,
    )
    assert await held(program) == (1, 1, 1)


async def test_the_sweep_wakes_up_when_an_offer_runs_out(
    program: Program, full_mentor_with_three_waiting: int
) -> None:
    from core.sweep import next_due

    await release_alices_seat(program, full_mentor_with_three_waiting)
    due = await program.service.read(next_due)
    assert due == program.clock.now() + timedelta(hours=24)


async def test_revoke_and_move_helpers_can_offer_through_the_one_door(program: Program) -> None:
    """offer_freed_seats with no free seat or nobody in line changes nothing."""
    await program.mentor(MENTOR, seats=1)
    mentor_row = (await program.rows(select(mentors.c.id)))[0].id
    offers = await program.service.write(wl.offer_freed_seats, program.guild_id, mentor_row)
    assert offers == wl.Offers()
    assert await held(program) == (0, 0, 1)
    await program.grant(student=ALICE)
    await join(program, BOB)
    offers = await program.service.write(wl.offer_freed_seats, program.guild_id, mentor_row)
    assert offers == wl.Offers()
    assert await held(program) == (1, 1, 1)


async def test_one_sweep_releasing_seats_of_several_mentors_offers_only_where_someone_waits(
    program: Program,
) -> None:
    """Three full mentors lose a seat in the same sweep; two have a line: each of those offers its
    seat to its own first in line, and the third mentor's seat stays free for a grant."""
    lines = {10: [BOB], 11: [], 12: [CARA, DAN]}
    holders = {10: ALICE, 11: 24, 12: 25}
    for mentor, holder in holders.items():
        await program.mentor(mentor, seats=1)
        await program.grant(student=holder, mentor=mentor, sessions=1)
        for student in lines[mentor]:
            await join(program, student, mentor)
    for mentor, holder in holders.items():
        await program.complete(student=holder, mentor=mentor)
    await program.later(hours=73)

    report = await program.sweep()

    assert len(report.released_seats) == 3
    offers = {
        row.mentor_id: row.student_id
        for row in await program.rows(
            select(seats.c.mentor_id, seats.c.student_id).where(seats.c.status == "offered")
        )
    }
    row_of = {row.user_id: row.id for row in await program.rows(select(mentors.c.user_id, mentors.c.id))}
    assert offers == {row_of[10]: BOB, row_of[12]: CARA}
    assert len(report.offered_seats) == 2
    held_by = {
        row.id: row.seats_held for row in await program.rows(select(mentors.c.id, mentors.c.seats_held))
    }
    assert held_by == {row_of[10]: 1, row_of[11]: 0, row_of[12]: 1}
    assert sorted(row.recipient_id for row in await program.notifications("waitlist_offer")) == [BOB, CARA]
