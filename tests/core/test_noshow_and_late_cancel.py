"""R18 at the rule level, on SQLite and PostgreSQL: a no-show with no_show_counts on and off, a
student's late cancel confirmed and one abandoned, and a mentor's cancel that takes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from core.domain import Actor
from core.errors import InvalidInput, NotAllowed, NothingToDo
from core.service import Service
from core.sessions import LateCancelToConfirm, SessionCancelled, SessionMissed, cancel_session, noshow_session
from tests.conftest import Program

MENTOR, ALICE = 10, 20


async def noshow(program: Program, session: int, actor: Actor | None = None) -> SessionMissed:
    return await program.service.write(
        noshow_session, guild_id=program.guild_id, actor=actor or Actor(MENTOR), session_id=session
    )


async def cancel(program: Program, session: int, actor: Actor, confirm: bool = False) -> object:
    return await program.service.write(
        cancel_session,
        guild_id=program.guild_id,
        actor=actor,
        session_id=session,
        confirm_late=confirm,
    )


@pytest.fixture
async def booked(program: Program) -> tuple[int, int]:
    """Alice holds a 2-session pack with a session booked in 2 hours; (pack id, session id)."""
    await program.mentor(MENTOR)
    pack = await program.grant(student=ALICE, sessions=2)
    session = await program.schedule(student=ALICE, at=program.clock.now() + timedelta(hours=2))
    return pack.pack_id, session.session_id


async def test_a_no_show_that_counts_takes_a_session_and_tells_the_student(
    program: Program, booked: tuple[int, int]
) -> None:
    pack_id, session_id = booked
    with pytest.raises(InvalidInput, match="once it has started"):
        await noshow(program, session_id)
    await program.later(hours=2, minutes=10)
    with pytest.raises(NotAllowed):
        await noshow(program, session_id, Actor(ALICE))
    first, second = await asyncio.gather(
        noshow(program, session_id), noshow(program, session_id), return_exceptions=True
    )
    results = [item for item in (first, second) if isinstance(item, SessionMissed)]
    assert len(results) == 1
    assert results[0].taken
    assert results[0].left == 1
    assert any(isinstance(item, NothingToDo) for item in (first, second))
    pack = await program.pack(pack_id)
    assert (pack.sessions_left, pack.sessions_booked, pack.sessions_forfeited) == (1, 0, 1)
    assert (await program.session(session_id)).status == "no_show"

    kinds = await program.kinds()
    assert kinds.count("no_show") == 1
    (one_left,) = await program.notifications("one_left")
    assert one_left.body.startswith("You have 1 session remaining. Renew now to continue.")
    assert "1 of 2 sessions with <@10> are used." in one_left.body
    assert "is done" not in one_left.body
    # R4 counts completed sessions only: the next completion is session 1.
    completed = await program.complete(student=ALICE)
    assert (completed.number, completed.left) == (1, 0)
    assert completed.grace_ends_at is not None


async def test_a_no_show_that_takes_the_last_session_starts_the_grace(program: Program) -> None:
    await program.mentor(MENTOR)
    pack = await program.grant(student=ALICE, sessions=1)
    session = await program.schedule(student=ALICE, at=program.clock.now() + timedelta(hours=1))
    await program.later(hours=2)
    result = await noshow(program, session.session_id)
    assert result.grace_ends_at == program.clock.now() + timedelta(hours=72)
    assert (await program.pack(pack.pack_id)).status == "depleted"
    assert (await program.seat(pack.seat_id)).status == "grace"
    assert "pack_complete" in await program.kinds()


async def test_with_no_show_counts_off_nothing_is_taken(
    program: Program, booked: tuple[int, int], service: Service
) -> None:
    pack_id, session_id = booked
    program.service = Service(service.db, service.clock, replace(service.defaults, no_show_counts=False))
    await program.later(hours=3)
    result = await noshow(program, session_id)
    assert not result.taken
    assert result.left == 2
    pack = await program.pack(pack_id)
    assert (pack.sessions_left, pack.sessions_booked, pack.sessions_forfeited) == (2, 0, 0)
    body = (await program.notifications("no_show"))[0].body
    assert "not taken off your pack" in body


async def test_a_late_cancel_asks_first_and_changes_nothing_until_confirmed(
    program: Program, booked: tuple[int, int]
) -> None:
    pack_id, session_id = booked
    before = await program.pack(pack_id)
    asked = await cancel(program, session_id, Actor(ALICE))
    assert isinstance(asked, LateCancelToConfirm)
    assert asked.late_cancel_hours == 24
    assert await program.pack(pack_id) == before  # abandoned: nothing changed
    assert (await program.session(session_id)).status == "scheduled"

    done = await cancel(program, session_id, Actor(ALICE), confirm=True)
    assert isinstance(done, SessionMissed)
    assert done.taken
    assert done.left == 1
    assert (await program.session(session_id)).status == "late_cancelled"
    pack = await program.pack(pack_id)
    assert (pack.sessions_left, pack.sessions_booked) == (1, 0)
    assert len(await program.notifications("late_cancel")) == 1
    with pytest.raises(NothingToDo, match="cancelled late"):
        await cancel(program, session_id, Actor(ALICE), confirm=True)


async def test_a_students_early_cancel_and_a_mentors_late_one_take_nothing(program: Program) -> None:
    await program.mentor(MENTOR)
    pack = await program.grant(student=ALICE, sessions=2)
    early = await program.schedule(student=ALICE, at=program.clock.now() + timedelta(days=3))
    soon = await program.schedule(student=ALICE, at=program.clock.now() + timedelta(hours=1))
    assert isinstance(await cancel(program, early.session_id, Actor(ALICE)), SessionCancelled)
    assert isinstance(await cancel(program, soon.session_id, Actor(MENTOR)), SessionCancelled)
    row = await program.pack(pack.pack_id)
    assert (row.sessions_left, row.sessions_booked, row.sessions_forfeited) == (2, 0, 0)
    other = await program.schedule(student=ALICE, at=program.clock.now() + timedelta(days=4))
    with pytest.raises(NotAllowed):
        await cancel(program, other.session_id, Actor(99))


async def test_a_student_cannot_cancel_a_session_that_has_started(
    program: Program, booked: tuple[int, int]
) -> None:
    _, session_id = booked
    await program.later(hours=2, minutes=5)
    with pytest.raises(NothingToDo, match="started"):
        await cancel(program, session_id, Actor(ALICE), confirm=True)
    assert (await program.session(session_id)).status == "scheduled"
