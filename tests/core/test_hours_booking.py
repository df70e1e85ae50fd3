"""R21: what a student may book, read from the database as ``/book`` and ``/reschedule`` read it
(``open_slots_for``), and the check a booking makes inside its write transaction (``require_open``):
bounded by the student's pack, clear of their other sessions in this server and of the mentor's other
sessions, in two statements. Runs on a SQLite file, and on PostgreSQL when ``TEST_DATABASE_URL`` is
set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from core import hours
from core.domain import Actor
from core.errors import InvalidInput, NotFound, NothingToDo
from core.hours import Closed, SlotNotOpen
from core.sessions import schedule_session
from core.settings import set_time_zone
from tests.conftest import GUILD, START, Program
from tests.core.helpers import OTHER_GUILD, outcomes

MENTOR, OTHER_MENTOR, STUDENT, OTHER_STUDENT = 10, 11, 20, 21


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def publish(program: Program, day: str, start: str, end: str, mentor: int = MENTOR) -> None:
    await program.service.write(
        hours.add_window, guild_id=GUILD, actor=Actor(mentor), day=day, start=start, end=end
    )


async def slots_for(program: Program, student: int = STUDENT, **options: Any) -> hours.OpenSlots:
    options.setdefault("mentor_user_id", MENTOR)
    return await program.service.read(
        hours.open_slots_for, guild_id=program.guild_id, student_user_id=student, **options
    )


async def check(program: Program, at: datetime, student: int = STUDENT, **options: Any) -> hours.OpenSlots:
    options.setdefault("mentor_user_id", MENTOR)
    return await program.service.write(
        hours.require_open, guild_id=program.guild_id, student_user_id=student, starts_at=at, **options
    )


@pytest.fixture
async def mentors(program: Program) -> Program:
    """Mentor 10 takes bookings on Tuesdays 09:00–13:00 UTC; student 20 has a pack of 4 with them,
    valid 10 days (until Thu 15 Jan 12:00), and a seat with mentor 11 as well."""
    await program.mentor(MENTOR, seats=3)
    await program.mentor(OTHER_MENTOR, seats=3)
    await publish(program, "tue", "09:00", "13:00")
    await program.grant(STUDENT, MENTOR, sessions=4, valid_days=10)
    await program.grant(STUDENT, OTHER_MENTOR)
    await program.grant(OTHER_STUDENT, MENTOR)
    return program


async def test_a_students_slots_end_with_their_pack_and_avoid_their_own_and_the_mentors_sessions(
    mentors: Program,
) -> None:
    program = mentors
    await program.schedule(STUDENT, OTHER_MENTOR, at=utc(1, 13, 9, 30))  # with the other mentor
    await program.schedule(OTHER_STUDENT, MENTOR, at=utc(1, 13, 11))  # another student's, with this mentor
    found = await slots_for(program)
    # Tuesday 6 Jan before 12:00 is within the 24 hours' notice; Tuesday 20 Jan is after the pack's end.
    assert [slot.starts_at for slot in found.slots] == [utc(1, 6, 12), utc(1, 13, 12)]
    assert (found.not_after, found.rules.length_minutes, found.zone) == (
        START + timedelta(days=10),
        60,
        "UTC",
    )
    assert found.seat_id is not None
    theirs = await slots_for(program, OTHER_STUDENT)
    assert [slot.starts_at for slot in theirs.slots][:4] == [
        utc(1, 6, 12),
        utc(1, 13, 9),
        utc(1, 13, 10),
        utc(1, 13, 12),
    ]


async def test_a_range_and_a_count_limit_the_slots_for_a_week_per_page(mentors: Program) -> None:
    found = await slots_for(mentors, OTHER_STUDENT, since=utc(1, 19, 0), until=utc(1, 26, 0))
    assert [slot.starts_at for slot in found.slots] == [utc(1, 20, hour) for hour in (9, 10, 11, 12)]
    assert len((await slots_for(mentors, OTHER_STUDENT, limit=2)).slots) == 2


async def test_without_a_mentor_named_the_students_only_mentor_is_taken(mentors: Program) -> None:
    found = await slots_for(mentors, OTHER_STUDENT, mentor_user_id=None)
    assert found.mentor_user_id == MENTOR
    with pytest.raises(InvalidInput, match="seats with several mentors; name the one"):
        await slots_for(mentors, STUDENT, mentor_user_id=None)


async def test_a_mentor_with_no_hours_is_refused_with_how_they_publish_them(mentors: Program) -> None:
    with pytest.raises(
        NothingToDo, match="has not published any hours yet; a mentor publishes them with /hours add"
    ):
        await slots_for(mentors, STUDENT, mentor_user_id=OTHER_MENTOR)


async def test_a_student_with_no_seat_no_unbooked_session_or_of_another_server_is_refused(
    mentors: Program,
) -> None:
    program = mentors
    with pytest.raises(NotFound, match="You have no seat with <@10>"):
        await slots_for(program, 99)
    elsewhere = Program(program.service, program.clock, guild_id=OTHER_GUILD)
    with pytest.raises(NotFound, match="<@10> is not a mentor here"):
        await slots_for(elsewhere, STUDENT)
    await program.grant(22, MENTOR, sessions=1)
    await program.schedule(22, MENTOR, at=utc(1, 13, 9))
    with pytest.raises(NothingToDo, match="Every session of your packs with <@10> is booked or used"):
        await slots_for(program, 22)


async def test_the_write_time_check_passes_an_open_slot_and_names_what_is_still_open_when_it_was_taken(
    mentors: Program,
) -> None:
    program = mentors
    checked = await check(program, utc(1, 13, 10), OTHER_STUDENT)
    assert [slot.starts_at for slot in checked.slots] == [utc(1, 13, 10)]
    await program.schedule(STUDENT, MENTOR, at=utc(1, 13, 10))  # someone else took it meanwhile
    with pytest.raises(SlotNotOpen) as refused:
        await check(program, utc(1, 13, 10), OTHER_STUDENT)
    assert refused.value.reason == Closed.TAKEN
    still_open = ", ".join(f"<t:{int(slot.starts_at.timestamp())}:f>" for slot in refused.value.still_open)
    assert refused.value.message == (
        f"<t:{int(utc(1, 13, 10).timestamp())}:F> can't be booked: it was just taken; "
        f"pick another open slot, like {still_open}."
    )
    assert [slot.starts_at for slot in refused.value.still_open][:4] == [
        utc(1, 6, 12),
        utc(1, 13, 9),
        utc(1, 13, 11),
        utc(1, 13, 12),
    ]


@pytest.mark.parametrize(
    ("at", "reason", "says"),
    [
        (utc(1, 6, 10), Closed.TOO_SOON, "<@10> takes bookings at least 24 hours ahead"),
        (utc(1, 13, 9, 30), Closed.NOT_A_SLOT, "it is not a start time in <@10>'s hours"),
        (utc(1, 20, 9), Closed.AFTER_PACK_END, "it is after the end of the pack it would be booked on"),
    ],
)
async def test_the_write_time_check_says_why_a_slot_is_not_open(
    mentors: Program, at: datetime, reason: Closed, says: str
) -> None:
    with pytest.raises(SlotNotOpen) as refused:
        await check(mentors, at)
    assert refused.value.reason == reason
    assert says in refused.value.message


async def test_a_weekly_series_is_checked_week_by_week_and_the_week_not_open_is_named(
    mentors: Program,
) -> None:
    program = mentors
    checked = await check(program, utc(1, 13, 9), OTHER_STUDENT, weeks=3)
    assert [slot.starts_at for slot in checked.slots] == [utc(1, 13, 9), utc(1, 20, 9), utc(1, 27, 9)]
    await program.service.write(hours.add_days_off, guild_id=GUILD, actor=Actor(MENTOR), first="2026-01-20")
    with pytest.raises(SlotNotOpen) as refused:
        await check(program, utc(1, 13, 9), OTHER_STUDENT, weeks=3)
    assert (refused.value.week, refused.value.reason) == (2, Closed.DAY_OFF)
    assert refused.value.message.startswith("Week 2 of 3 (<t:")
    assert "<@10> is off that day; book fewer weeks or another slot, like <t:" in refused.value.message


async def test_a_weekly_series_follows_the_mentors_wall_clock_across_daylight_saving(
    program: Program,
) -> None:
    await program.mentor(MENTOR)
    await program.service.write(set_time_zone, guild_id=GUILD, user_id=MENTOR, zone="Europe/Berlin")
    await program.service.write(
        hours.add_window, guild_id=GUILD, actor=Actor(MENTOR), day="sun", start="18:00", end="19:00"
    )
    await program.service.write(hours.set_booking_rules, guild_id=GUILD, actor=Actor(MENTOR), horizon_days=90)
    await program.grant(STUDENT, MENTOR, valid_days=120)
    checked = await check(program, utc(3, 22, 17), weeks=2)
    assert [slot.starts_at for slot in checked.slots] == [utc(3, 22, 17), utc(3, 29, 16)]


async def test_a_session_being_moved_stands_in_nobodys_way(mentors: Program) -> None:
    program = mentors
    await program.service.write(
        hours.set_booking_rules, guild_id=GUILD, actor=Actor(MENTOR), buffer=30, length=60
    )
    # Slots 09:00, 10:30 and 12:00; the mentor booked them 11:00, off the grid (/schedule may).
    booked = await program.schedule(OTHER_STUDENT, MENTOR, at=utc(1, 13, 11))
    with pytest.raises(SlotNotOpen) as refused:
        await check(program, utc(1, 13, 12), OTHER_STUDENT)
    assert refused.value.reason == Closed.TAKEN
    moved = await check(program, utc(1, 13, 12), OTHER_STUDENT, moving_session_id=booked.session_id)
    assert [slot.starts_at for slot in moved.slots] == [utc(1, 13, 12)]
    found = await slots_for(
        program, OTHER_STUDENT, moving_session_id=booked.session_id, since=utc(1, 13, 0), until=utc(1, 14, 0)
    )
    assert [slot.starts_at for slot in found.slots] == [utc(1, 13, 9), utc(1, 13, 10, 30), utc(1, 13, 12)]


# ---- what a read costs --------------------------------------------------------------------------------


@contextmanager
def statements(program: Program) -> Iterator[list[str]]:
    """The statements sent to the database inside the block (BEGIN included, COMMIT not: the driver's)."""
    seen: list[str] = []

    def catch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("COMMIT"):
            seen.append(statement)

    engine = program.service.db.sync_engine
    event.listen(engine, "before_cursor_execute", catch)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", catch)


async def test_the_open_slots_the_show_and_the_write_time_check_each_read_in_two_statements(
    mentors: Program,
) -> None:
    program = mentors
    await program.schedule(STUDENT, OTHER_MENTOR, at=utc(1, 13, 9, 30))
    with statements(program) as seen:
        await slots_for(program)
    assert len([s for s in seen if not s.startswith("BEGIN")]) == 2, seen
    with statements(program) as seen:
        await program.service.read(hours.hours_shown, guild_id=GUILD, actor=Actor(MENTOR))
    assert len([s for s in seen if not s.startswith("BEGIN")]) == 2, seen
    with statements(program) as seen:
        await check(program, utc(1, 13, 12))
    assert len([s for s in seen if not s.startswith("BEGIN")]) == 2, seen


FULL_SCANS = {
    f"SCAN {table}"
    for table in ("mentors", "seats", "packs", "sessions", "hours_windows", "hours_days_off", "hours_rules")
}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_no_statement_of_the_open_slots_reads_a_whole_table(mentors: Program) -> None:
    program = mentors
    await program.schedule(STUDENT, OTHER_MENTOR, at=utc(1, 13, 9, 30))
    with statements(program) as seen:
        await slots_for(program)
    captured: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "COMMIT")):
            captured.append((statement, parameters))

    engine = program.service.db.sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        await slots_for(program)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(captured) == len([s for s in seen if not s.startswith("BEGIN")]) == 2

    def plans(connection: Any) -> list[set[str]]:
        return [
            {str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)}
            for sql, parameters in captured
        ]

    for (sql, _), plan in zip(captured, await program.service.db.read(plans), strict=True):
        assert not {step.split(" USING")[0] for step in plan} & FULL_SCANS, f"{sql}\n{plan}"


def _book(tx: Any, *, student: int, at: datetime) -> Any:
    """What a booking does with the check: the slot re-checked in the write transaction, then booked."""
    hours.require_open(tx, guild_id=GUILD, mentor_user_id=MENTOR, student_user_id=student, starts_at=at)
    return schedule_session(
        tx, guild_id=GUILD, actor=Actor(MENTOR), student_user_id=student, when=at.isoformat()
    )


async def test_of_two_students_taking_one_slot_at_once_one_books_it_and_the_other_is_told_it_was_taken(
    mentors: Program,
) -> None:
    program = mentors
    await program.grant(22, MENTOR)
    at = utc(1, 13, 10)
    booked, refused = await outcomes(
        [program.service.write(_book, student=student, at=at) for student in (OTHER_STUDENT, 22)]
    )
    assert len(booked) == 1
    [taken] = refused
    assert isinstance(taken, SlotNotOpen)
    assert taken.reason == Closed.TAKEN
    assert at not in [slot.starts_at for slot in taken.still_open]
