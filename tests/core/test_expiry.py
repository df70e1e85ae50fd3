"""R8: packs expire at their end date, forfeiting unbooked sessions; the student is warned 3 days before."""

from datetime import timedelta

import pytest

from core.errors import NothingToDo
from tests.conftest import START, Program
from tests.core.helpers import changes_nothing, history_rows


async def test_a_pack_past_its_end_date_expires_and_forfeits_its_unbooked_sessions(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=5, valid_days=10)
    await program.complete(key="a")
    await program.schedule(at=START + timedelta(days=10))  # R10: by the end date
    await program.later(days=10)
    report = await program.sweep()
    assert report.expired_packs == (granted.pack_id,)
    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left, pack.sessions_booked, pack.sessions_forfeited) == (
        "expired",
        1,
        1,
        3,
    )
    assert pack.closed_at == START + timedelta(days=10)


async def test_a_pack_is_not_expired_before_its_end_date(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(valid_days=10)
    await program.later(days=9, hours=23, minutes=59)
    assert (await program.sweep()).expired_packs == ()
    assert (await program.pack(granted.pack_id)).status == "active"


async def test_expiry_is_recorded_in_history_with_the_forfeited_sessions(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=3, valid_days=1)
    await program.later(days=1)
    await program.sweep()
    [row] = await history_rows(program, "pack_expired")
    assert (row.actor_id, row.pack_id, row.at) == (None, granted.pack_id, START + timedelta(days=1))
    assert '"forfeited": 3' in row.detail


async def test_an_expired_pack_is_expired_once(program: Program) -> None:
    await program.mentor()
    await program.grant(valid_days=1)
    await program.grant(valid_days=30)
    await program.later(days=2)
    assert len((await program.sweep()).expired_packs) == 1
    assert (await program.sweep()).expired_packs == ()
    assert len(await history_rows(program, "pack_expired")) == 1


async def test_an_expired_packs_unbooked_sessions_cannot_be_booked_or_completed(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4, valid_days=1)
    booked = await program.schedule(at=START + timedelta(days=1))
    await program.later(days=1)
    await program.sweep()
    async with changes_nothing(program):
        with pytest.raises(NothingToDo):
            await program.schedule(at=START + timedelta(days=3))
    # Only the booked session can still be completed; the forfeited ones cannot.
    assert (await program.complete(key="a")).session_id == booked.session_id
    async with changes_nothing(program):
        with pytest.raises(NothingToDo):
            await program.complete(key="b")


# ---- the expiry warning ---------------------------------------------------------------------------------


async def test_the_expiry_warning_comes_3_days_before_the_end_date_and_not_earlier(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=10)
    await program.complete(key="a")
    await program.later(days=6, hours=23, minutes=59)
    assert (await program.sweep()).expiry_warnings == ()
    await program.later(minutes=1)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)
    [warning] = await program.notifications("expiry_warning")
    assert (warning.recipient_id, warning.pack_id) == (20, granted.pack_id)
    ends = int((START + timedelta(days=10)).timestamp())
    assert "3 sessions left" in warning.body
    assert f"<t:{ends}:F>" in warning.body


async def test_the_expiry_warning_is_sent_once_per_pack(program: Program) -> None:
    await program.mentor()
    await program.grant(valid_days=10)
    await program.later(days=7)
    await program.sweep()
    await program.later(days=1)
    assert (await program.sweep()).expiry_warnings == ()
    assert len(await program.notifications("expiry_warning")) == 1


async def test_a_pack_whose_sessions_left_are_all_booked_gets_no_expiry_warning(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=2, valid_days=10)
    await program.schedule(at=START + timedelta(days=8))
    await program.schedule(at=START + timedelta(days=9))
    await program.later(days=7)
    assert (await program.sweep()).expiry_warnings == ()
    assert await program.notifications("expiry_warning") == []


async def test_a_depleted_pack_gets_no_expiry_warning(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=1, valid_days=10)
    await program.complete(key="a")
    await program.later(days=1)
    await program.grant(sessions=4, valid_days=60)  # keeps the seat
    await program.later(days=7)
    assert (await program.sweep()).expiry_warnings == ()
    assert await program.notifications("expiry_warning") == []


async def test_a_pack_granted_with_less_than_3_days_left_is_warned_at_the_next_sweep(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(valid_days=2)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)


async def test_a_booked_session_on_a_pack_past_its_end_date_completes_before_the_sweep_expires_it(
    program: Program,
) -> None:
    await program.mentor()
    short = await program.grant(sessions=1, valid_days=1)
    long = await program.grant(sessions=1, valid_days=30)
    booked = await program.schedule(at=START + timedelta(days=1))  # on the short pack, by its end
    on_long = await program.schedule(at=START + timedelta(days=1, hours=2))
    await program.later(days=1, hours=2)
    await program.complete(session=on_long.session_id)  # the short one no longer counts: grace
    seat = await program.seat(short.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("grace", START + timedelta(days=4, hours=2))
    assert long.pack_id in [row.pack_id for row in await program.notifications("pack_complete")]
    await program.later(hours=1)
    done = await program.complete(session=booked.session_id)  # no sweep has run since the end date
    assert (done.pack_id, done.left) == (short.pack_id, 0)
    seat = await program.seat(short.seat_id)
    # the short pack ended before it was used up: like an expired pack, it starts no grace of its own
    assert (seat.status, seat.grace_ends_at, seat.grace_period) == (
        "grace",
        START + timedelta(days=4, hours=2),
        1,
    )
    assert short.pack_id not in [row.pack_id for row in await program.notifications("pack_complete")]
    await program.later(days=3)
    assert (await program.sweep()).released_seats == (short.seat_id,)


async def test_a_pack_used_up_after_its_end_date_but_before_the_sweep_starts_no_grace(
    program: Program,
) -> None:
    await program.mentor(10, seats=1)
    granted = await program.grant(sessions=2, valid_days=1)
    await program.complete(key="a")
    booked = await program.schedule(at=START + timedelta(days=1))  # R10: by the end date
    await program.later(days=2)  # past the end date; the sweep has not run
    done = await program.complete(session=booked.session_id)
    assert (done.number, done.left, done.grace_ends_at) == (2, 0, None)
    seat = await program.seat(granted.seat_id)
    assert (seat.status, seat.grace_ends_at, seat.active_packs) == ("active", None, 0)
    assert await program.kinds() == ["one_left", "session_booked"]  # no pack complete, no grace started
    # it ended as an expired pack ends: the next sweep releases the seat
    assert (await program.sweep()).released_seats == (granted.seat_id,)
