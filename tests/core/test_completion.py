"""R3 completing a session, R4 its number, R5 renewal reminders, R6 depletion and grace."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.domain import Actor
from core.errors import InvalidInput, NotAllowed, NotFound, NothingToDo
from core.schema import sessions
from tests.conftest import ADMIN, START, Program
from tests.core.helpers import changes_nothing, completed_sessions, history_rows

# ---- R3: what a completion takes, and from where -------------------------------------------------------


async def test_completing_a_session_takes_exactly_one_session_off_the_pack(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    done = await program.complete(key="a")
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.status) == (3, "active")
    assert (done.pack_id, done.left, done.total) == (granted.pack_id, 3, 4)
    assert await completed_sessions(program, granted.pack_id) == 1


async def test_a_pack_is_depleted_when_its_last_session_is_completed(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2)
    await program.complete(key="a")
    assert (await program.pack(granted.pack_id)).status == "active"
    await program.complete(key="b")
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.status, pack.closed_at) == (0, "depleted", START)


async def test_a_named_booked_session_is_completed_against_the_pack_it_was_booked_on(
    program: Program,
) -> None:
    await program.mentor()
    first = await program.grant(sessions=1)
    second = await program.grant(sessions=3)
    booked = await program.schedule(at=START + timedelta(days=1))
    assert booked.pack_id == first.pack_id
    await program.later(days=1)
    done = await program.complete(session=booked.session_id)
    assert (done.session_id, done.pack_id, done.number) == (booked.session_id, first.pack_id, 1)
    session = await program.session(booked.session_id)
    assert (session.status, session.completed_at, session.completed_by) == (
        "completed",
        START + timedelta(days=1),
        10,
    )
    assert (await program.pack(second.pack_id)).sessions_left == 3


async def test_without_a_session_the_earliest_session_due_within_the_hour_is_completed(
    program: Program,
) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    later_one = await program.schedule(at=START + timedelta(minutes=50), minutes=15)
    sooner_one = await program.schedule(at=START + timedelta(minutes=20), minutes=15)
    done = await program.complete(key="a")
    assert done.session_id == sooner_one.session_id
    assert (await program.session(later_one.session_id)).status == "scheduled"


async def test_a_booked_session_that_started_earlier_counts_as_due(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(hours=1))
    await program.later(hours=3)
    done = await program.complete(key="a")
    assert done.session_id == booked.session_id
    assert (await program.session(booked.session_id)).status == "completed"


async def test_a_session_more_than_an_hour_away_is_not_due_so_an_unscheduled_one_is_recorded(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(minutes=61))
    done = await program.complete(key="a")
    assert done.session_id != booked.session_id
    recorded = await program.session(done.session_id)
    assert (recorded.status, recorded.starts_at, recorded.pack_id) == ("completed", START, granted.pack_id)
    assert (await program.session(booked.session_id)).status == "scheduled"
    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.sessions_booked) == (3, 1)


async def test_an_unscheduled_session_draws_from_the_oldest_active_pack(program: Program) -> None:
    await program.mentor()
    older = await program.grant(sessions=2)
    await program.later(minutes=1)
    newer = await program.grant(sessions=2)
    done = await program.complete(key="a")
    assert done.pack_id == older.pack_id
    assert (await program.pack(newer.pack_id)).sessions_left == 2


async def test_an_unscheduled_session_skips_a_pack_whose_sessions_are_all_booked(program: Program) -> None:
    await program.mentor()
    older = await program.grant(sessions=1)
    newer = await program.grant(sessions=2)
    await program.schedule(at=START + timedelta(days=3))  # books the older pack's only session
    done = await program.complete(key="a")
    assert done.pack_id == newer.pack_id
    older_pack = await program.pack(older.pack_id)
    assert (older_pack.sessions_left, older_pack.sessions_booked) == (1, 1)


async def test_an_unscheduled_session_skips_a_pack_past_its_end_date_before_the_sweep_expires_it(
    program: Program,
) -> None:
    await program.mentor()
    short = await program.grant(sessions=2, valid_days=1)
    long = await program.grant(sessions=2, valid_days=30)
    await program.later(days=1, minutes=1)  # no sweep yet: the short pack is still 'active' in storage
    done = await program.complete(key="a")
    assert done.pack_id == long.pack_id
    assert (await program.pack(short.pack_id)).sessions_left == 2


async def test_an_unscheduled_completion_is_refused_when_every_session_left_is_booked(
    program: Program,
) -> None:
    await program.mentor()
    await program.grant(sessions=2)
    await program.schedule(at=START + timedelta(days=2))
    await program.schedule(at=START + timedelta(days=3))
    async with changes_nothing(program):
        with pytest.raises(NothingToDo, match="no session left to complete"):
            await program.complete(key="a")


async def test_an_unscheduled_completion_is_refused_when_the_packs_are_used_up(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1)
    await program.complete(key="a")
    async with changes_nothing(program):
        with pytest.raises(NothingToDo):
            await program.complete(key="b")


async def test_a_booked_session_completes_against_its_pack_after_that_pack_expired(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=1)
    await program.complete(key="a")
    booked = await program.schedule(at=START + timedelta(days=1))  # R10: by the end date
    await program.later(days=1)
    report = await program.sweep()
    assert report.expired_packs == (granted.pack_id,)
    await program.later(days=1)
    done = await program.complete(session=booked.session_id)
    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left, pack.sessions_booked, pack.sessions_forfeited) == (
        "expired",
        0,
        0,
        2,
    )
    assert (done.pack_id, done.number, done.left) == (granted.pack_id, 2, 0)
    # an expired pack asks for no renewal: no reminders, no grace
    assert "pack_complete" not in await program.kinds()
    assert "grace_started" not in await program.kinds()


async def test_completing_an_already_completed_session_changes_nothing_and_says_when(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(minutes=30))
    await program.later(minutes=30)
    first = await program.complete(session=booked.session_id)
    await program.later(hours=2)
    async with changes_nothing(program):
        again = await program.complete(session=booked.session_id)
    assert again.already_completed
    assert not first.already_completed
    assert again.completed_at == START + timedelta(minutes=30)
    assert (again.session_id, again.number) == (booked.session_id, 1)
    assert (await program.pack(granted.pack_id)).sessions_left == 3


async def test_a_repeated_request_finds_the_session_it_recorded_instead_of_recording_another(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    first = await program.complete(key="interaction:1")
    await program.later(minutes=5)
    async with changes_nothing(program):
        again = await program.complete(key="interaction:1")
    assert again.already_completed
    assert (again.session_id, again.completed_at) == (first.session_id, START)
    assert (await program.pack(granted.pack_id)).sessions_left == 3


async def test_a_repeated_request_that_completed_a_due_booked_session_does_not_complete_another(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(minutes=30))
    first = await program.complete(key="interaction:1")
    assert first.session_id == booked.session_id
    async with changes_nothing(program):
        again = await program.complete(key="interaction:1")
    assert again.already_completed
    assert again.session_id == booked.session_id
    assert (await program.pack(granted.pack_id)).sessions_left == 3


async def test_a_cancelled_session_cannot_be_completed(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    booked = await program.schedule()
    await program.cancel(booked.session_id)
    async with changes_nothing(program):
        with pytest.raises(NothingToDo, match="cancelled"):
            await program.complete(session=booked.session_id)


async def test_naming_another_students_session_is_refused(program: Program) -> None:
    await program.mentor()
    await program.grant(student=20)
    await program.grant(student=21)
    theirs = await program.schedule(student=21)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match="not <@20>'s"):
            await program.complete(student=20, session=theirs.session_id)


async def test_only_the_seats_mentor_or_an_admin_can_complete_a_session(program: Program) -> None:
    await program.mentor(10)
    await program.mentor(11)
    granted = await program.grant(student=20, mentor=10)
    booked = await program.schedule(student=20, mentor=10)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed):
            await program.complete(student=20, session=booked.session_id, actor=Actor(11))
        with pytest.raises(NotAllowed):
            await program.complete(student=20, key="a", actor=Actor(11))
        with pytest.raises(NotFound):
            await program.complete(student=99, key="b", actor=Actor(11))
    done = await program.complete(student=20, session=booked.session_id, actor=ADMIN)
    assert done.pack_id == granted.pack_id
    history = await history_rows(program, "session_completed")
    assert [row.actor_id for row in history] == [ADMIN.user_id]


async def test_an_admin_completing_for_a_student_with_several_mentors_must_name_the_session(
    program: Program,
) -> None:
    await program.mentor(10)
    await program.mentor(11)
    await program.grant(student=20, mentor=10)
    other = await program.grant(student=20, mentor=11)
    booked = await program.schedule(student=20, mentor=11)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput, match="several mentors"):
            await program.complete(student=20, key="a", actor=ADMIN)
    done = await program.complete(student=20, session=booked.session_id, actor=ADMIN)
    assert done.pack_id == other.pack_id


# ---- R4: the session number -----------------------------------------------------------------------------


async def test_the_session_number_counts_the_packs_completed_sessions_including_this_one(
    program: Program,
) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    results = [await program.complete(key=key) for key in "abcd"]
    assert [(done.number, done.total, done.left) for done in results] == [
        (1, 4, 3),
        (2, 4, 2),
        (3, 4, 1),
        (4, 4, 0),
    ]
    stored = await program.rows(select(sessions.c.number).order_by(sessions.c.id))
    assert [row.number for row in stored] == [1, 2, 3, 4]


async def test_the_session_number_starts_again_at_1_on_the_next_pack(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=2)
    renewal = await program.grant(sessions=3)
    results = [await program.complete(key=key) for key in "abc"]
    assert [(done.number, done.total) for done in results] == [(1, 2), (2, 2), (1, 3)]
    assert results[2].pack_id == renewal.pack_id


async def test_a_booked_session_completed_in_any_order_gets_the_next_number(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=3)
    late = await program.schedule(at=START + timedelta(days=5))
    early = await program.schedule(at=START + timedelta(days=1))
    await program.later(days=5)
    first = await program.complete(session=late.session_id)
    second = await program.complete(session=early.session_id)
    assert (first.number, second.number) == (1, 2)


# ---- R5: renewal reminders ------------------------------------------------------------------------------


async def test_one_left_after_session_n_minus_1_and_pack_complete_after_session_n(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(student=20, sessions=3)
    await program.complete(key="a")
    assert await program.kinds() == []
    await program.complete(key="b")
    one_left = await program.notifications("one_left")
    assert [(row.recipient_id, row.pack_id) for row in one_left] == [(20, granted.pack_id)]
    assert one_left[0].body.startswith("You have 1 session remaining. Renew now to continue.")
    await program.complete(key="c")
    complete = await program.notifications("pack_complete")
    assert [(row.recipient_id, row.pack_id) for row in complete] == [(20, granted.pack_id)]
    assert complete[0].body.startswith("Your pack is complete. Renew within 72 hours to keep your seat.")
    assert await program.kinds() == ["one_left", "pack_complete", "grace_started"]


async def test_a_one_session_pack_gets_pack_complete_but_never_one_left(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1)
    await program.complete(key="a")
    assert await program.kinds() == ["pack_complete", "grace_started"]


async def test_no_renewal_reminder_once_the_student_has_renewed(program: Program) -> None:
    await program.mentor()
    first = await program.grant(sessions=2)
    await program.grant(sessions=2)
    await program.complete(key="a")
    await program.complete(key="b")
    assert (await program.pack(first.pack_id)).status == "depleted"
    assert await program.kinds() == []
    await program.complete(key="c")
    await program.complete(key="d")
    assert await program.kinds() == ["one_left", "pack_complete", "grace_started"]


async def test_a_reminder_that_no_longer_applies_when_delivered_is_dropped(program: Program) -> None:
    from core import outbox

    await program.mentor()
    await program.grant(sessions=2)
    await program.complete(key="a")
    await program.grant(sessions=4)  # renews before the one-left DM went out
    batch = await program.service.write(outbox.claim)
    assert (batch.items, batch.dropped) == ([], 1)
    assert [row.status for row in await program.notifications("one_left")] == ["dropped"]


# ---- R6: depletion and grace ----------------------------------------------------------------------------


async def test_grace_starts_when_the_last_pack_is_depleted_and_ends_72_hours_after_the_completion(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2)
    await program.complete(key="a")
    assert (await program.seat(granted.seat_id)).status == "active"
    await program.later(hours=5)
    done = await program.complete(key="b")
    seat = await program.seat(granted.seat_id)
    ends = START + timedelta(hours=5 + 72)
    assert (seat.status, seat.grace_ends_at, seat.grace_period) == ("grace", ends, 1)
    assert done.grace_ends_at == ends
    grace = await program.notifications("grace_started")
    assert [(row.recipient_id, row.seat_id, row.seat_period) for row in grace] == [(10, granted.seat_id, 1)]


async def test_depleting_a_pack_while_another_has_sessions_left_keeps_the_seat_active(
    program: Program,
) -> None:
    await program.mentor()
    first = await program.grant(sessions=1)
    await program.grant(sessions=1)
    await program.complete(key="a")
    seat = await program.seat(first.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("active", None)
    assert (await program.pack(first.pack_id)).status == "depleted"


async def test_a_grace_period_is_recorded_in_history_by_the_bot(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=1)
    await program.complete(key="a")
    rows = await history_rows(program, "seat_grace_started")
    assert [(row.actor_id, row.seat_id, row.pack_id, row.at) for row in rows] == [
        (None, granted.seat_id, granted.pack_id, START)
    ]
