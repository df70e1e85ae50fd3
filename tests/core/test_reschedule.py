"""R21 ``/reschedule`` and both sides told: a booked session moves to another open slot, keeping its
pack and number; a student can't move their own within ``LATE_CANCEL_HOURS``; the DMs say the old and
the new time, and a booking, move or reminder DM of the old time never goes out (R12). The mentor is
told of what the student does, and reminded as the student is. Runs on a SQLite file, and on
PostgreSQL when ``TEST_DATABASE_URL`` is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import hours, outbox
from core.domain import Actor
from core.errors import NothingToDo
from core.hours import Closed, SlotNotOpen
from core.sessions import book_slot, cancel_session, move_session
from tests.conftest import GUILD, START, Program
from tests.core.helpers import changes_nothing, history_rows

MENTOR, STUDENT = 10, 20
TUE_13 = datetime(2026, 1, 13, 9, tzinfo=UTC)  # START is Monday 5 Jan, 12:00 UTC


def ts(moment: datetime, style: str = "F") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


async def move(program: Program, session: int, at: datetime, by: int = STUDENT) -> object:
    return await program.service.write(
        move_session, guild_id=GUILD, actor=Actor(by), session_id=session, when=at.isoformat()
    )


async def claim(program: Program) -> dict[str, list[str]]:
    """Deliver what is due now: the kinds claimed to send, and those dropped as no longer applying."""
    await program.service.write(outbox.claim)
    return {
        status: [row.kind for row in await program.notifications(status=status)]
        for status in ("pending", "dropped")
    }


@pytest.fixture
async def booked(program: Program) -> Program:
    """Mentor 10 takes bookings on Tuesdays 09:00–13:00 UTC; student 20 booked Tue 13 Jan 09:00."""
    await program.mentor(MENTOR)
    await program.service.write(
        hours.add_window, guild_id=GUILD, actor=Actor(MENTOR), day="tue", start="09:00", end="13:00"
    )
    await program.grant(STUDENT, MENTOR)
    await program.service.write(book_slot, guild_id=GUILD, actor=Actor(STUDENT), when=TUE_13.isoformat())
    return program


async def test_a_move_keeps_the_pack_and_number_says_both_times_and_drops_the_old_booking_dms(
    booked: Program,
) -> None:
    program = booked
    before = await program.session(1)

    moved = await move(program, 1, TUE_13 + timedelta(hours=2))

    after = await program.session(1)
    assert (after.id, after.pack_id, after.status) == (before.id, before.pack_id, "scheduled")
    assert after.starts_at == TUE_13 + timedelta(hours=2)
    assert after.sequence == 1  # calendars take the new time (R22)
    texts = {row.kind: row.body for row in await program.notifications(status="pending")}
    assert texts["session_moved"] == (
        f"Your session with <@{MENTOR}> on {ts(TUE_13)} has moved to "
        f"{ts(after.starts_at)} ({ts(after.starts_at, 'R')})."
    )
    assert texts["session_moved_mentor"] == (
        f"<@{STUDENT}> moved their session with you on {ts(TUE_13)} to "
        f"{ts(after.starts_at)} ({ts(after.starts_at, 'R')})."
    )
    assert await claim(program) == {
        "pending": ["session_moved", "session_moved_mentor"],
        "dropped": ["session_booked", "session_booked_mentor"],
    }
    assert [row.action for row in await history_rows(program, "session_moved")] == ["session_moved"]
    assert moved is not None


async def test_a_pending_reminder_of_the_old_time_never_goes_out_and_the_new_time_is_reminded(
    booked: Program,
) -> None:
    program = booked
    program.clock.advance(TUE_13 - timedelta(hours=24) - START)
    await program.sweep()  # both reminders of the old time queued, not sent yet
    assert [row.kind for row in await program.notifications(status="pending")][-2:] == [
        "session_reminder",
        "session_reminder_mentor",
    ]

    await move(program, 1, TUE_13 + timedelta(days=7), by=MENTOR)  # the student is within 24 hours
    claimed = await claim(program)
    program.clock.advance(timedelta(days=7))
    await program.sweep()

    assert claimed["dropped"] == [
        "session_booked",
        "session_booked_mentor",
        "session_reminder",
        "session_reminder_mentor",
    ]
    reminders = await program.notifications(kind="session_reminder")
    assert [(row.status, row.key) for row in reminders] == [
        ("dropped", "session_reminder:session:1"),
        ("pending", "session_reminder:session:1:1"),
    ]
    mentor_reminder = (await program.notifications(kind="session_reminder_mentor"))[-1]
    new_time = TUE_13 + timedelta(days=7)
    assert mentor_reminder.recipient_id == MENTOR
    assert mentor_reminder.body == (
        f"Reminder: your 60-minute session with <@{STUDENT}> is {ts(new_time)} ({ts(new_time, 'R')})."
    )


async def test_a_student_cannot_move_their_own_session_within_the_late_cancel_hours(booked: Program) -> None:
    program = booked
    program.clock.advance(TUE_13 - timedelta(hours=23) - START)

    async with changes_nothing(program):
        with pytest.raises(NothingToDo) as refused:
            await move(program, 1, TUE_13 + timedelta(days=7))

    assert refused.value.message == (
        f"Session #1 starts {ts(TUE_13, 'R')}, less than 24 hours from now, so you can't move it; cancel it "
        f"with /cancel (late, it is taken off your pack) or ask <@{MENTOR}> to move it."
    )


async def test_a_move_follows_the_slot_rules(booked: Program) -> None:
    program = booked
    await program.grant(21, MENTOR)
    await program.service.write(
        book_slot, guild_id=GUILD, actor=Actor(21), when=(TUE_13 + timedelta(hours=1)).isoformat()
    )

    async with changes_nothing(program):
        with pytest.raises(SlotNotOpen) as taken:
            await move(program, 1, TUE_13 + timedelta(hours=1))
        with pytest.raises(SlotNotOpen) as not_a_slot:
            await move(program, 1, TUE_13 + timedelta(hours=5))

    assert taken.value.reason == Closed.TAKEN
    assert not_a_slot.value.reason == Closed.NOT_A_SLOT


async def test_someone_else_cannot_move_a_session(booked: Program) -> None:
    with pytest.raises(Exception, match=r"Only <@10> or an admin can move session #1\."):
        await move(booked, 1, TUE_13 + timedelta(hours=1), by=21)


async def test_the_mentor_is_told_when_the_student_cancels_and_not_when_they_cancel_themselves(
    booked: Program,
) -> None:
    program = booked
    await program.service.write(
        book_slot, guild_id=GUILD, actor=Actor(STUDENT), when=(TUE_13 + timedelta(weeks=1)).isoformat()
    )

    await program.service.write(cancel_session, guild_id=GUILD, actor=Actor(STUDENT), session_id=1)
    await program.cancel(2, mentor=MENTOR)

    told = await program.notifications(kind="session_cancelled_mentor")
    assert [(row.recipient_id, row.body) for row in told] == [
        (MENTOR, f"<@{STUDENT}> cancelled their session with you on {ts(TUE_13)}.")
    ]
    assert [row.kind for row in await program.notifications(status="pending")][-2:] == [
        "session_cancelled_mentor",
        "session_cancelled",
    ]
    claimed = await claim(program)
    assert "session_booked" in claimed["dropped"]
    assert "session_booked_mentor" in claimed["dropped"]


async def test_the_mentor_is_told_of_a_late_cancel(booked: Program) -> None:
    program = booked
    program.clock.advance(TUE_13 - timedelta(hours=3) - START)

    await program.service.write(
        cancel_session, guild_id=GUILD, actor=Actor(STUDENT), session_id=1, confirm_late=True
    )

    (told,) = await program.notifications(kind="session_cancelled_mentor")
    assert told.body == (
        f"<@{STUDENT}> cancelled their session with you on {ts(TUE_13)}. It was less than 24 hours before "
        "the start, so it was taken off their pack."
    )
