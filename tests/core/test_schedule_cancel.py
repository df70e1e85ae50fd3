"""R10: booking sessions on the oldest pack with an unbooked session, cancelling, reminders."""

from datetime import timedelta

import pytest

from core import outbox
from core.bounds import MAX_SESSION_MINUTES, MIN_SESSION_MINUTES
from core.errors import InvalidInput, NotAllowed, NotFound, NothingToDo
from core.sessions import cancel_session, schedule_session
from tests.conftest import ADMIN, START, Program
from tests.core.helpers import changes_nothing


async def test_booking_takes_the_oldest_pack_that_still_has_an_unbooked_session(program: Program) -> None:
    await program.mentor()
    older = await program.grant(sessions=1)
    await program.later(minutes=1)
    newer = await program.grant(sessions=2)
    first = await program.schedule(at=START + timedelta(days=1))
    second = await program.schedule(at=START + timedelta(days=2))
    third = await program.schedule(at=START + timedelta(days=3))
    assert [first.pack_id, second.pack_id, third.pack_id] == [older.pack_id, newer.pack_id, newer.pack_id]
    assert (await program.pack(older.pack_id)).sessions_booked == 1
    assert (await program.pack(newer.pack_id)).sessions_booked == 2


async def test_booking_skips_a_pack_past_its_end_date(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4, valid_days=1)
    live = await program.grant(sessions=4, valid_days=30)
    await program.later(days=1)
    booked = await program.schedule()
    assert booked.pack_id == live.pack_id


async def test_booking_takes_nothing_off_the_pack_and_tells_the_student(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    at = START + timedelta(days=2)
    booked = await program.schedule(at=at, minutes=45)
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked) == (4, 1)
    session = await program.session(booked.session_id)
    assert (session.status, session.starts_at, session.minutes, session.booked_by) == (
        "scheduled",
        at,
        45,
        10,
    )
    [told] = await program.notifications("session_booked")
    assert (told.recipient_id, told.session_id) == (20, booked.session_id)
    assert f"<t:{int(at.timestamp())}:F>" in told.body


async def test_a_time_without_an_offset_is_utc_and_an_offset_is_honoured(program: Program) -> None:
    await program.mentor()
    await program.grant()
    plain = await program.schedule(at="2026-01-07T18:00")
    offset = await program.schedule(at="2026-01-08T18:00+01:00")
    assert plain.starts_at == START.replace(day=7, hour=18)
    assert offset.starts_at == START.replace(day=8, hour=17)


@pytest.mark.parametrize("when", ["2026-01-05T12:00+00:00", "2026-01-05T11:59", "2025-12-31T09:00"])
async def test_booking_a_time_that_is_not_in_the_future_is_refused(program: Program, when: str) -> None:
    await program.mentor()
    await program.grant()
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match="in the past"):
            await program.schedule(at=when)


@pytest.mark.parametrize("when", ["tomorrow at six", "2026-13-01T10:00", ""])
async def test_booking_a_time_that_cannot_be_read_is_refused(program: Program, when: str) -> None:
    await program.mentor()
    await program.grant()
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match=r"can.t read .* as a time|is not a valid ISO 8601 time"):
            await program.schedule(at=when)


SHORTEST, LONGEST = MIN_SESSION_MINUTES, MAX_SESSION_MINUTES


@pytest.mark.parametrize("minutes", [SHORTEST - 1, LONGEST + 1])
async def test_booking_a_length_outside_the_allowed_minutes_is_refused(
    program: Program, minutes: int
) -> None:
    await program.mentor()
    await program.grant()
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match=f"{SHORTEST} to {LONGEST} minutes"):
            await program.schedule(minutes=minutes)
    assert (await program.schedule(minutes=SHORTEST)).minutes == SHORTEST
    later = program.clock.now() + timedelta(days=3)  # not overlapping the first (R10)
    assert (await program.schedule(at=later, minutes=LONGEST)).minutes == LONGEST


async def test_booking_is_refused_when_every_session_left_is_booked(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=2)
    await program.schedule(at=START + timedelta(days=1))
    await program.complete(key="a")  # nothing due within the hour: records one now
    async with changes_nothing(program):
        with pytest.raises(NothingToDo, match="no unbooked session"):
            await program.schedule(at=START + timedelta(days=2))


async def test_booking_is_refused_for_a_student_without_a_seat(program: Program) -> None:
    await program.mentor()
    async with changes_nothing(program):
        with pytest.raises(NotFound, match="no seat with you"):
            await program.schedule(student=20)


async def test_only_the_seats_mentor_or_an_admin_can_book(program: Program) -> None:
    await program.mentor(10)
    await program.mentor(11)
    await program.grant(student=20, mentor=10)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed):
            await program.schedule(student=20, mentor=11)
    booked = await program.service.write(
        schedule_session,
        guild_id=program.guild_id,
        actor=ADMIN,
        student_user_id=20,
        when=(START + timedelta(days=1)).isoformat(),
    )
    assert booked.mentor_user_id == 10


# ---- cancelling -----------------------------------------------------------------------------------------


async def test_cancelling_a_session_gives_nothing_back_and_takes_nothing_off_the_pack(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=1)
    booked = await program.schedule()
    cancelled = await program.cancel(booked.session_id)
    assert cancelled.session_id == booked.session_id
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked, pack.status) == (1, 0, "active")
    session = await program.session(booked.session_id)
    assert (session.status, session.cancelled_by, session.cancelled_at) == ("cancelled", 10, START)
    # the session is unbooked again: it can be booked or completed once, not twice
    rebooked = await program.schedule()
    assert rebooked.pack_id == granted.pack_id


async def test_cancelling_tells_the_student(program: Program) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule()
    await program.cancel(booked.session_id)
    [told] = await program.notifications("session_cancelled")
    assert (told.recipient_id, told.session_id) == (20, booked.session_id)
    assert "was not taken off your pack" in told.body


async def test_cancelling_a_cancelled_or_completed_session_is_refused(program: Program) -> None:
    await program.mentor()
    await program.grant()
    first = await program.schedule(at=START + timedelta(minutes=30))
    second = await program.schedule(at=START + timedelta(days=1))
    await program.complete(session=first.session_id)
    await program.cancel(second.session_id)
    async with changes_nothing(program):
        with pytest.raises(NothingToDo, match="completed"):
            await program.cancel(first.session_id)
        with pytest.raises(NothingToDo, match="already cancelled"):
            await program.cancel(second.session_id)


async def test_only_the_seats_mentor_or_an_admin_can_cancel(program: Program) -> None:
    await program.mentor(10)
    await program.mentor(11)
    await program.grant(student=20, mentor=10)
    booked = await program.schedule(student=20, mentor=10)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed):
            await program.cancel(booked.session_id, mentor=11)
        with pytest.raises(NotFound):
            await program.cancel(booked.session_id + 100)
    await program.service.write(
        cancel_session, guild_id=program.guild_id, actor=ADMIN, session_id=booked.session_id
    )
    assert (await program.session(booked.session_id)).cancelled_by == ADMIN.user_id


# ---- reminders ------------------------------------------------------------------------------------------


async def test_the_student_is_reminded_24_hours_before_a_booked_session_once(program: Program) -> None:
    await program.mentor()
    await program.grant()
    at = START + timedelta(days=3)
    booked = await program.schedule(at=at)
    await program.later(days=1, hours=23, minutes=59)
    assert (await program.sweep()).session_reminders == ()
    await program.later(minutes=1)
    assert (await program.sweep()).session_reminders == (booked.session_id,)
    await program.later(hours=1)
    assert (await program.sweep()).session_reminders == ()
    [reminder] = await program.notifications("session_reminder")
    assert (reminder.recipient_id, reminder.session_id) == (20, booked.session_id)
    assert f"<t:{int(at.timestamp())}:F>" in reminder.body


async def test_a_session_booked_less_than_24_hours_ahead_gets_no_separate_reminder(program: Program) -> None:
    await program.mentor()
    await program.grant()
    await program.schedule(at=START + timedelta(hours=5))
    assert (await program.sweep()).session_reminders == ()
    assert await program.kinds() == ["session_booked"]


async def test_a_cancelled_session_gets_no_reminder(program: Program) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule(at=START + timedelta(days=3))
    await program.cancel(booked.session_id)
    await program.later(days=2, hours=1)
    assert (await program.sweep()).session_reminders == ()
    assert await program.notifications("session_reminder") == []


async def test_a_reminder_for_a_session_cancelled_before_delivery_is_dropped(program: Program) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule(at=START + timedelta(days=3))
    await program.later(days=2)
    await program.sweep()
    await program.cancel(booked.session_id)
    batch = await program.service.write(outbox.claim)
    # The booking DM no longer applies either: only the cancellation goes out.
    assert [item.kind for item in batch.items] == ["session_cancelled"]
    assert batch.dropped == 3  # the booking, and the reminders to the student and the mentor (R21)
    assert [row.status for row in await program.notifications("session_reminder")] == ["dropped"]


async def test_another_mentors_booking_does_not_count_against_this_seat(program: Program) -> None:
    await program.mentor(10)
    await program.mentor(11)
    await program.grant(student=20, mentor=10, sessions=1)
    with_11 = await program.grant(student=20, mentor=11, sessions=1)
    await program.schedule(student=20, mentor=10)
    booked = await program.schedule(student=20, mentor=11)
    assert booked.pack_id == with_11.pack_id
    assert booked.mentor_user_id == 11
