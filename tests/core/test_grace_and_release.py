"""R7 the final warning, R9 releasing seats, R11 what the sweep does and when it is next needed."""

from datetime import timedelta

from core.domain import Policy
from core.service import Service
from core.sweep import next_due
from tests.conftest import START, Program
from tests.core.helpers import held_seats, history_rows


async def enter_grace(program: Program, sessions: int = 1) -> int:
    """A student with one pack uses it up at START: their seat enters grace until START + 72 h."""
    await program.mentor(10, seats=2)
    granted = await program.grant(student=20, sessions=sessions)
    for n in range(sessions):
        await program.complete(key=f"use-{n}")
    return granted.seat_id


# ---- R7: the final warning ------------------------------------------------------------------------------


async def test_the_final_warning_is_queued_12_hours_before_grace_ends_and_not_earlier(
    program: Program,
) -> None:
    seat_id = await enter_grace(program)
    await program.later(hours=59, minutes=59)
    assert (await program.sweep()).final_warnings == ()
    await program.later(minutes=1)
    report = await program.sweep()
    assert report.final_warnings == (seat_id,)
    [warning] = await program.notifications("final_warning")
    assert (warning.recipient_id, warning.seat_id, warning.seat_period) == (20, seat_id, 1)
    assert warning.body.startswith(
        "Your seat will be released in 12 hours. Renew now to keep your mentorship active."
    )
    assert (await program.seat(seat_id)).status == "grace"


async def test_the_final_warning_is_queued_once_per_grace_period_however_often_the_sweep_runs(
    program: Program,
) -> None:
    await enter_grace(program)
    await program.later(hours=60)
    await program.sweep()
    for _ in range(3):
        await program.later(hours=3)
        assert (await program.sweep()).final_warnings == ()
    assert len(await program.notifications("final_warning")) == 1


async def test_a_second_grace_period_gets_its_own_final_warning(program: Program) -> None:
    seat_id = await enter_grace(program)
    await program.later(hours=60)
    await program.sweep()
    await program.grant(student=20, sessions=1)  # renews in the last 12 hours
    await program.complete(key="again")  # and uses it up: a second grace period
    seat = await program.seat(seat_id)
    assert (seat.status, seat.grace_period, seat.grace_ends_at) == (
        "grace",
        2,
        START + timedelta(hours=60 + 72),
    )
    await program.later(hours=59)
    assert (await program.sweep()).final_warnings == ()
    await program.later(hours=1)
    assert (await program.sweep()).final_warnings == (seat_id,)
    warnings = await program.notifications("final_warning")
    assert [(row.seat_id, row.seat_period) for row in warnings] == [(seat_id, 1), (seat_id, 2)]


async def test_a_grace_that_ended_during_downtime_is_released_without_a_final_warning(
    program: Program,
) -> None:
    seat_id = await enter_grace(program)
    await program.later(hours=100)
    report = await program.sweep()
    assert (report.released_seats, report.final_warnings) == ((seat_id,), ())
    assert await program.notifications("final_warning") == []


# ---- R9: release ----------------------------------------------------------------------------------------


async def test_a_seat_is_released_when_its_grace_has_ended_and_not_a_minute_before(program: Program) -> None:
    seat_id = await enter_grace(program)
    await program.later(hours=71, minutes=59)
    assert (await program.sweep()).released_seats == ()
    assert (await program.seat(seat_id)).status == "grace"
    await program.later(minutes=1)
    assert (await program.sweep()).released_seats == (seat_id,)
    seat = await program.seat(seat_id)
    assert (seat.status, seat.released_at) == ("released", START + timedelta(hours=72))


async def test_a_release_frees_the_mentors_seat_and_tells_the_student_and_the_mentor(
    program: Program,
) -> None:
    seat_id = await enter_grace(program)
    await program.grant(student=21)
    assert await held_seats(program, 10, program.guild_id) == (2, 2)
    await program.later(hours=72)
    await program.sweep()
    assert await held_seats(program, 10, program.guild_id) == (1, 1)
    [to_student] = await program.notifications("seat_released")
    [to_mentor] = await program.notifications("seat_released_mentor")
    assert (to_student.recipient_id, to_student.seat_id) == (20, seat_id)
    assert (
        to_student.body
        == "Your seat with <@10> has been released. Your grace period ended without a renewal."
    )
    assert (to_mentor.recipient_id, to_mentor.seat_id) == (10, seat_id)
    assert "<@20>" in to_mentor.body
    assert "1 of 2 seats" in to_mentor.body
    rows = await history_rows(program, "seat_released")
    assert [(row.actor_id, row.seat_id, row.at) for row in rows] == [
        (None, seat_id, START + timedelta(hours=72))
    ]


async def test_a_seat_whose_packs_all_expired_is_released(program: Program) -> None:
    await program.mentor(10, seats=1)
    granted = await program.grant(sessions=4, valid_days=2)
    await program.complete(key="a")
    await program.later(days=2)
    report = await program.sweep()
    assert (report.expired_packs, report.released_seats) == ((granted.pack_id,), (granted.seat_id,))
    assert (await program.seat(granted.seat_id)).grace_ends_at is None
    assert await held_seats(program, 10, program.guild_id) == (0, 0)
    assert sorted(await program.kinds()) == ["seat_released", "seat_released_mentor"]


async def test_a_seat_with_one_expired_and_one_live_pack_is_kept(program: Program) -> None:
    await program.mentor()
    short = await program.grant(sessions=4, valid_days=2)
    await program.grant(sessions=4, valid_days=30)
    await program.later(days=3)
    report = await program.sweep()
    assert (report.expired_packs, report.released_seats) == ((short.pack_id,), ())
    assert (await program.seat(short.seat_id)).status == "active"


async def test_a_seat_whose_packs_expired_is_not_released_while_a_session_is_booked(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=1)
    booked = await program.schedule(at=START + timedelta(days=1))  # R10: by the end date
    await program.later(days=2)
    report = await program.sweep()
    assert (report.expired_packs, report.released_seats) == ((granted.pack_id,), ())
    assert (await program.seat(granted.seat_id)).status == "active"
    await program.later(days=1)
    await program.complete(session=booked.session_id)
    assert (await program.sweep()).released_seats == (granted.seat_id,)


async def test_a_seat_in_grace_is_not_released_while_a_session_is_booked(program: Program) -> None:
    await program.mentor()
    short = await program.grant(sessions=1, valid_days=1)
    await program.grant(sessions=1)
    booked = await program.schedule(at=START + timedelta(days=1))  # on the short pack, by its end
    on_new = await program.schedule(at=START + timedelta(days=1, hours=2))  # on the new pack
    await program.later(days=1, hours=2)
    await program.sweep()  # the short pack expires with its booked session
    await program.complete(session=on_new.session_id)  # uses up the new pack: grace for 72 h
    seat = await program.seat(short.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("grace", START + timedelta(days=4, hours=2))
    await program.later(days=3, hours=1)
    assert (await program.sweep()).released_seats == ()
    assert (await program.seat(short.seat_id)).status == "grace"
    await program.later(days=1)
    await program.complete(session=booked.session_id)
    assert (await program.sweep()).released_seats == (short.seat_id,)


async def test_a_seat_whose_booked_session_is_cancelled_is_released_by_the_next_sweep(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=1)
    booked = await program.schedule(at=START + timedelta(days=1))  # R10: by the end date
    await program.later(days=2)
    assert (await program.sweep()).released_seats == ()
    await program.cancel(booked.session_id)
    assert (await program.sweep()).released_seats == (granted.seat_id,)
    pack = await program.pack(granted.pack_id)
    # Cancelled on the expired pack, the session is forfeited with the rest (R10).
    assert (pack.sessions_left, pack.sessions_booked, pack.sessions_forfeited) == (0, 0, 4)


# ---- R11: the sweep's order, catching up, and the next due moment ----------------------------------------


async def test_one_sweep_after_downtime_expires_the_packs_and_releases_the_seats_they_held(
    program: Program,
) -> None:
    await program.mentor(10, seats=3)
    expiring = await program.grant(student=20, valid_days=5)
    graced = await program.grant(student=21, sessions=1)
    await program.complete(student=21, key="a")
    kept = await program.grant(student=22, valid_days=60)
    await program.later(days=30)
    report = await program.sweep()
    assert report.expired_packs == (expiring.pack_id,)
    assert sorted(report.released_seats) == sorted([expiring.seat_id, graced.seat_id])
    assert (await program.seat(kept.seat_id)).status == "active"
    assert await held_seats(program, 10, program.guild_id) == (1, 1)
    again = await program.sweep()
    assert not again.changed


async def test_the_sweep_is_next_needed_at_the_final_warning_then_at_the_grace_end(program: Program) -> None:
    await enter_grace(program)
    # the pack expiry (90 days) and warnings are later than the grace events
    assert await program.service.read(next_due) == START + timedelta(hours=60)
    await program.later(hours=60)
    await program.sweep()
    assert await program.service.read(next_due) == START + timedelta(hours=72)
    await program.later(hours=12)
    await program.sweep()
    assert await program.service.read(next_due) is None


async def test_the_sweep_is_next_needed_at_the_earliest_expiry_warning_or_session_reminder(
    program: Program,
) -> None:
    await program.mentor()
    await program.grant(valid_days=10)
    assert await program.service.read(next_due) == START + timedelta(days=7)
    await program.schedule(at=START + timedelta(days=2))
    assert await program.service.read(next_due) == START + timedelta(days=1)


async def test_a_running_grace_keeps_the_final_warning_moment_it_got_when_the_policy_changes(
    program: Program, service: Service
) -> None:
    """R14: the moment is stored with the deadline, so the sweep needs no policy numbers."""
    await program.mentor()
    granted = await program.grant(sessions=1)
    await program.complete(key="last")  # grace until 72 h; its final warning is due at 60 h
    program.service = Service(service.db, program.clock, Policy(final_warning_hours=1))
    assert await program.service.read(next_due) == START + timedelta(hours=60)
    await program.later(hours=60)
    assert (await program.sweep()).final_warnings == (granted.seat_id,)
