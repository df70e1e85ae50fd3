"""R21 ``/book``: a student books an open slot of their mentor's hours on the seat's oldest active pack
with an unbooked session valid then (R10); a weekly series books every week or none; the slot is
checked inside the write transaction, so of students taking one slot at once one books it and the
others are told it was just taken. Runs on a SQLite file, and on PostgreSQL when
``TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core import hours
from core.domain import Actor
from core.errors import InvalidInput, NothingToDo
from core.hours import Closed, SlotNotOpen
from core.schema import notifications, sessions
from core.sessions import SlotsBooked, book_slot
from tests.conftest import GUILD, Program
from tests.core.helpers import changes_nothing, outcomes

MENTOR, STUDENT, OTHER_STUDENT = 10, 20, 21


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def book(program: Program, at: datetime, student: int = STUDENT, **options: Any) -> SlotsBooked:
    return await program.service.write(
        book_slot, guild_id=GUILD, actor=Actor(student), when=at.isoformat(), **options
    )


@pytest.fixture
async def mentor(program: Program) -> Program:
    """Mentor 10 takes bookings on Tuesdays 09:00–13:00 UTC (START is Monday 5 Jan, 12:00 UTC)."""
    await program.mentor(MENTOR, seats=30)
    await program.service.write(
        hours.add_window, guild_id=GUILD, actor=Actor(MENTOR), day="tue", start="09:00", end="13:00"
    )
    return program


async def test_a_booking_goes_on_the_oldest_pack_valid_then(mentor: Program) -> None:
    program = mentor
    old = await program.grant(STUDENT, MENTOR, sessions=1, valid_days=10)  # until Thu 15 Jan
    new = await program.grant(STUDENT, MENTOR, sessions=4)

    later = await book(program, utc(1, 20, 9))  # after the old pack ends: on the new one
    sooner = await book(program, utc(1, 13, 9))

    assert [slot.pack_id for slot in later.sessions] == [new.pack_id]
    assert [slot.pack_id for slot in sooner.sessions] == [old.pack_id]
    assert (await program.pack(old.pack_id)).sessions_booked == 1
    assert (await program.pack(new.pack_id)).sessions_booked == 1
    kinds = await program.rows(select(notifications.c.kind, notifications.c.recipient_id))
    assert sorted(tuple(row) for row in kinds) == sorted(
        [("session_booked", STUDENT), ("session_booked_mentor", MENTOR)] * 2
    )


async def test_a_weekly_series_books_every_week_or_none(mentor: Program) -> None:
    program = mentor
    await program.grant(STUDENT, MENTOR, sessions=2)

    async with changes_nothing(program):
        with pytest.raises(NothingToDo) as refused:
            await book(program, utc(1, 13, 10), weekly=3)
    booked = await book(program, utc(1, 13, 10), weekly=2)

    assert refused.value.message.startswith(f"Week 3 of 3 (<t:{int(utc(1, 27, 10).timestamp())}:F>) can't be")
    assert "no unbooked session left" in refused.value.message
    assert [slot.starts_at for slot in booked.sessions] == [utc(1, 13, 10), utc(1, 20, 10)]


async def test_weekly_out_of_bounds_is_refused(mentor: Program) -> None:
    await mentor.grant(STUDENT, MENTOR)
    with pytest.raises(InvalidInput, match=r"A weekly series is 2 to 8 weeks; you gave 9\."):
        await book(mentor, utc(1, 13, 10), weekly=9)


async def test_a_student_cannot_book_over_their_own_session_with_another_mentor(mentor: Program) -> None:
    program = mentor
    await program.mentor(11)
    await program.grant(STUDENT, MENTOR)
    await program.grant(STUDENT, 11)
    await program.schedule(STUDENT, 11, at=utc(1, 13, 9) + timedelta(minutes=30))

    with pytest.raises(SlotNotOpen) as refused:
        await book(program, utc(1, 13, 9), mentor_user_id=MENTOR)

    assert refused.value.reason == Closed.STUDENT_BUSY


async def test_of_twenty_students_taking_five_slots_at_once_five_book_and_fifteen_are_told(
    mentor: Program,
) -> None:
    program = mentor
    students = range(100, 120)
    for student in students:
        await program.grant(student, MENTOR)
    slots = [utc(1, 13, hour) for hour in (9, 10, 11, 12)] + [utc(1, 20, 9)]

    booked, refused = await outcomes(
        [book(program, slots[index % 5], student) for index, student in enumerate(students)]
    )

    assert sorted(result.sessions[0].starts_at for result in booked) == sorted(slots)
    assert len(refused) == 15
    assert all(isinstance(refusal, SlotNotOpen) and refusal.reason == Closed.TAKEN for refusal in refused)
    assert all("it was just taken" in refusal.message for refusal in refused)
    rows = await program.rows(select(sessions.c.starts_at).where(sessions.c.status == "scheduled"))
    assert len(rows) == 5


@pytest.mark.parametrize(("locale", "typed"), [("es-419", "martes a las 12:00"), ("pt-BR", "terça às 12h")])
async def test_a_time_typed_in_the_students_language_books_that_slot(
    mentor: Program, locale: str, typed: str
) -> None:
    await mentor.grant(STUDENT, MENTOR)

    booked = await mentor.service.write(
        book_slot, guild_id=GUILD, actor=Actor(STUDENT, locale=locale), when=typed
    )

    # Tuesday 6 January at noon: exactly the 24 hours' notice ahead of Monday noon.
    assert [slot.starts_at for slot in booked.sessions] == [utc(1, 6, 12)]
