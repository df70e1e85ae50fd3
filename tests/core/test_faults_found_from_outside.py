"""Faults a black-box run found (issue 9, part 4), each pinned by the rule it broke, on each backend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from core.delivery import TemporaryFailure, deliver
from core.domain import Actor
from core.errors import InvalidInput, NothingToDo
from core.service import Service
from core.sessions import session_choices
from tests.conftest import START, Program, RecordingSender
from tests.core.helpers import changes_nothing, completed_sessions, held_seats, outcomes

MENTOR, STUDENT = 10, 20


class FailOnce(RecordingSender):
    """The first DM fails as a 502 would; every later one goes through."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = [TemporaryFailure("502 Bad Gateway")]


async def counters_add_up(program: Program, pack_id: int) -> tuple[int, int, int]:
    """(used, left, forfeited) of a pack, after checking they add up to its total."""
    pack = await program.pack(pack_id)
    used = await completed_sessions(program, pack_id)
    assert used + pack.sessions_left + pack.sessions_forfeited == pack.sessions_total
    return used, pack.sessions_left, pack.sessions_forfeited


# ---- 2. the expiry warning is owed once a booked session is cancelled inside its window ----------------


async def test_a_pack_whose_sessions_were_all_booked_when_its_window_opened_is_warned_after_a_cancel(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2, valid_days=10)
    first = await program.schedule(at=START + timedelta(days=9))
    await program.schedule(at=START + timedelta(days=9, hours=2))
    await program.later(days=7, hours=1)  # the 3-day window is open; nothing is unbooked
    assert (await program.sweep()).expiry_warnings == ()
    await program.cancel(first.session_id)
    await program.later(hours=1)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)
    [warning] = await program.notifications(kind="expiry_warning")
    assert "1 session" in warning.body


# ---- 5. stale DMs are dropped, not sent late -----------------------------------------------------------


async def test_a_booking_dm_retried_after_the_session_was_cancelled_is_dropped(
    program: Program, service: Service
) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule()
    sender = FailOnce()
    assert (await deliver(service, sender)).retried == 1
    await program.cancel(booked.session_id)
    await program.later(minutes=5)
    report = await deliver(service, sender)
    assert report.dropped == 1
    texts = sender.texts_to(STUDENT)
    assert len(texts) == 1
    assert "cancelled" in texts[0]
    [booking] = await program.notifications(kind="session_booked")
    assert booking.status == "dropped"


async def test_a_one_left_dm_retried_after_the_pack_completed_is_dropped(
    program: Program, service: Service
) -> None:
    await program.mentor()
    await program.grant(sessions=2)
    await program.complete(key="one")
    sender = FailOnce()
    assert (await deliver(service, sender)).retried == 1
    await program.complete(key="two")
    await program.later(minutes=5)
    await deliver(service, sender)
    texts = sender.texts_to(STUDENT)
    assert len(texts) == 1
    assert texts[0].startswith("Your pack is complete")
    [one_left] = await program.notifications(kind="one_left")
    assert one_left.status == "dropped"


# ---- 6. grants at once for one new student all go on the seat the first one created ----------------


async def test_ten_grants_at_once_for_a_new_student_with_one_free_seat_all_go_on_that_seat(
    program: Program,
) -> None:
    await program.mentor(MENTOR, seats=1)
    done, refused = await outcomes([program.grant(STUDENT, MENTOR, sessions=2) for _ in range(10)])
    assert [str(refusal) for refusal in refused] == []
    assert len({result.seat_id for result in done}) == 1
    assert sum(result.new_seat for result in done) == 1
    assert await held_seats(program, MENTOR, program.guild_id) == (1, 1)


# ---- 7. a session cancelled on an expired pack counts as forfeited -------------------------------------


async def test_a_session_cancelled_on_a_pack_that_expired_meanwhile_counts_as_forfeited(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2, valid_days=10)
    booked = await program.schedule(at=START + timedelta(days=9, hours=23))
    await program.later(days=10)
    assert (await program.sweep()).expired_packs == (granted.pack_id,)
    assert await counters_add_up(program, granted.pack_id) == (0, 1, 1)
    await program.cancel(booked.session_id)
    assert await counters_add_up(program, granted.pack_id) == (0, 0, 2)
    assert (await program.pack(granted.pack_id)).sessions_booked == 0


async def test_a_session_cancelled_on_a_live_pack_is_unbooked_not_forfeited(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=2, valid_days=10)
    booked = await program.schedule(at=START + timedelta(days=2))
    await program.cancel(booked.session_id)
    assert await counters_add_up(program, granted.pack_id) == (0, 2, 0)


# ---- 8. R10: no booking after the pack's end date, no overlapping bookings -----------------------------


async def test_booking_later_than_the_packs_end_date_is_refused(program: Program) -> None:
    await program.mentor()
    await program.grant(valid_days=10)
    async with changes_nothing(program):
        with pytest.raises(NothingToDo) as refused:
            await program.schedule(at="9998-12-31T00:00+00:00")
    sentence = str(refused.value)
    assert sentence.count(".") == 1
    assert "ends" in sentence


async def test_booking_up_to_the_packs_end_date_is_allowed(program: Program) -> None:
    await program.mentor()
    await program.grant(valid_days=10)
    booked = await program.schedule(at=START + timedelta(days=10))
    assert booked.starts_at == START + timedelta(days=10)


async def test_booking_takes_a_later_pack_that_is_still_valid_then(program: Program) -> None:
    await program.mentor()
    await program.grant(valid_days=10)
    later = await program.grant(valid_days=60)
    booked = await program.schedule(at=START + timedelta(days=30))
    assert booked.pack_id == later.pack_id


@pytest.mark.parametrize(
    ("offset", "minutes"),
    [
        (timedelta(0), 60),
        (timedelta(minutes=30), 60),
        (timedelta(minutes=-59), 60),
        (timedelta(minutes=-30), 45),
    ],
)
async def test_booking_the_same_student_at_an_overlapping_time_is_refused(
    program: Program, offset: timedelta, minutes: int
) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    at = START + timedelta(days=2)
    await program.schedule(at=at, minutes=60)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput) as refused:
            await program.schedule(at=at + offset, minutes=minutes)
    assert str(refused.value).count(".") == 1


async def test_back_to_back_sessions_do_not_overlap(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    at = START + timedelta(days=2)
    await program.schedule(at=at, minutes=60)
    await program.schedule(at=at + timedelta(minutes=60), minutes=60)
    await program.schedule(at=at - timedelta(minutes=30), minutes=30)


async def test_a_cancelled_session_does_not_block_its_time(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    at = START + timedelta(days=2)
    booked = await program.schedule(at=at)
    await program.cancel(booked.session_id)
    await program.schedule(at=at)


# ---- 9. times out of range are a refusal, not an OverflowError ---------------------------------------


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00+01:00", "9999-12-31T23:30-01:00", "9999-12-31T23:59+00:00", "0001-01-01"]
)
async def test_a_time_at_the_edge_of_the_calendar_is_refused_in_one_sentence(
    program: Program, when: str
) -> None:
    await program.mentor()
    await program.grant()
    async with changes_nothing(program):
        with pytest.raises((InvalidInput, NothingToDo)) as refused:
            await program.schedule(at=when)
    assert str(refused.value).count(".") == 1


# ---- 10. a late final warning tells the true hours left ------------------------------------------------


async def test_a_final_warning_sent_late_tells_the_hours_truly_left(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1)
    await program.complete(key="last")
    await program.later(hours=71)  # down across the warning; one hour of grace left
    assert len((await program.sweep()).final_warnings) == 1
    [warning] = await program.notifications(kind="final_warning")
    assert warning.body.startswith("Your seat will be released in 1 hour. ")


async def test_a_final_warning_on_time_tells_the_settings_hours(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1)
    await program.complete(key="last")
    await program.later(hours=60, minutes=1)
    await program.sweep()
    [warning] = await program.notifications(kind="final_warning")
    assert warning.body.startswith("Your seat will be released in 12 hours. ")


# ---- 11. autocomplete filters by what was typed before taking 25 ---------------------------------------


async def test_session_choices_find_a_session_beyond_the_soonest_25_by_what_was_typed(
    program: Program,
) -> None:
    await program.mentor(MENTOR, seats=3)
    await program.grant(STUDENT, MENTOR, sessions=30)
    await program.grant(21, MENTOR, sessions=1)
    booked = [
        await program.schedule(STUDENT, MENTOR, at=START + timedelta(days=1, hours=2 * n)) for n in range(30)
    ]
    zed = await program.schedule(21, MENTOR, at=START + timedelta(days=20))

    async def choose(typed: str) -> list[int]:
        found = await program.service.read(
            session_choices, guild_id=program.guild_id, actor=Actor(MENTOR), typed=typed
        )
        return [choice.session_id for choice in found]

    assert len(await choose("")) == 25
    assert await choose("student21") == [zed.session_id]
    assert await choose("STUDENT21") == [zed.session_id]
    last = booked[-1].session_id
    assert last in await choose(f"#{last}")
    assert zed.session_id not in await choose("student20")


# ---- part 5: a completion that queues no DM sends at most 6 statements ---------------------------------


async def test_a_completion_that_queues_no_dm_sends_at_most_six_statements(
    program: Program, service: Service
) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    await program.complete(key="warm-up")  # compiled statements cached, as in a running bot
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = getattr(service.db.engine, "sync_engine", service.db.engine)
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = await program.complete(key="counted")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.notification_ids == ()
    begins = [statement for statement in sent if statement.strip().upper().startswith("BEGIN")]
    # PostgreSQL's BEGIN is the driver's, not a statement: count it as one either way.
    total = len(sent) + (0 if begins else 1)
    assert total <= 6, sent
