"""R18 and R19 under random sequences (hypothesis): students join a full mentor's line, answer or
ignore offers, get granted, miss sessions, while time passes and the sweep runs. Invariants: a mentor's
held seats (active + grace + offered) match ``seats_held`` and never exceed the capacity; one offer
per seat and student (one offered seat per mentor and student, one offer DM per seat); a pack's
counters add up with no-shows counted as lost sessions.

Kept beside ``test_state_machine.py`` (which models the pack rules exactly) rather than inside it:
offers create seats the sweep decides on, which that model would have to predict row by row.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import Connection, func, select

from core import waitlist as wl
from core.clock import ManualClock
from core.db import open_database
from core.domain import Actor, Policy
from core.errors import Refusal
from core.packs import grant_pack
from core.schema import mentors, notifications, packs, seats, sessions
from core.seats import register_mentor
from core.service import Service
from core.sessions import complete_session, noshow_session, schedule_session
from core.sweep import sweep as run_sweep
from tests.conftest import ADMIN, GUILD, START
from tests.core.test_state_machine import SCRATCH, template_database

T = TypeVar("T")
MENTOR = 10
STUDENTS = (20, 21, 22, 23, 24)


def _state(connection: Connection) -> dict[str, list[Any]]:
    return {
        "mentors": list(connection.execute(select(mentors))),
        "seats": list(connection.execute(select(seats))),
        "packs": list(connection.execute(select(packs))),
        "sessions": list(connection.execute(select(sessions))),
        "offers": list(
            connection.execute(
                select(notifications.c.seat_id, func.count())
                .where(notifications.c.kind == "waitlist_offer")
                .group_by(notifications.c.seat_id)
            )
        ),
    }


class WaitlistRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="mentorbot-wl-", dir=SCRATCH))
        path = self.folder / "mentorbot.db"
        shutil.copy(template_database(), path)
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(START)
        self.db = open_database(f"sqlite:///{path}")
        self.service = Service(self.db, self.clock, Policy())
        # The capacity was set below the seats held: R1 evicts no one, so they may exceed it until
        # enough are freed.
        self.lowered = False
        self.attempt(self._mentor(1))
        for student in STUDENTS[:1]:
            self.attempt(self._grant(student))

    def attempt(self, work: Coroutine[Any, Any, T]) -> T | Refusal:
        try:
            return self.loop.run_until_complete(work)
        except Refusal as refusal:
            return refusal

    def gather(self, *works: Coroutine[Any, Any, Any]) -> list[Any]:
        async def together() -> list[Any]:
            return await asyncio.gather(*works, return_exceptions=True)

        return self.loop.run_until_complete(together())

    def teardown(self) -> None:
        try:
            self.loop.run_until_complete(self.db.dispose())
        finally:
            self.loop.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _mentor(self, capacity: int) -> Coroutine[Any, Any, Any]:
        return self.service.write(
            register_mentor,
            guild_id=GUILD,
            actor=ADMIN,
            mentor_user_id=MENTOR,
            mentor_name="mia",
            seats_capacity=capacity,
        )

    def _grant(self, student: int) -> Coroutine[Any, Any, Any]:
        return self.service.write(
            grant_pack,
            guild_id=GUILD,
            actor=ADMIN,
            student_user_id=student,
            student_name=f"s{student}",
            mentor_user_id=MENTOR,
            sessions_count=2,
            valid_days=3,
        )

    def _offers(self) -> list[Any]:
        state = self.loop.run_until_complete(self.db.read(_state))
        return [row for row in state["seats"] if row.status == "offered"]

    @rule(student=st.sampled_from(STUDENTS))
    def join(self, student: int) -> None:
        self.attempt(
            self.service.write(
                wl.join_waitlist,
                guild_id=GUILD,
                actor=Actor(student),
                mentor_user_id=MENTOR,
                student_name="x",
            )
        )

    @rule(data=st.data(), twice=st.booleans())
    def decline(self, data: st.DataObject, twice: bool) -> None:
        offers = self._offers()
        if not offers:
            return
        seat = data.draw(st.sampled_from(offers))
        works = [
            self.service.write(wl.decline_offer, actor=Actor(seat.student_id), seat_id=seat.id)
            for _ in range(2 if twice else 1)
        ]
        self.gather(*works)

    @rule(data=st.data())
    def accept(self, data: st.DataObject) -> None:
        offers = self._offers()
        if offers:
            seat = data.draw(st.sampled_from(offers))
            self.attempt(self.service.write(wl.accept_offer, actor=Actor(seat.student_id), seat_id=seat.id))

    @rule(student=st.sampled_from(STUDENTS), racing_sweep=st.booleans())
    def grant(self, student: int, racing_sweep: bool) -> None:
        if racing_sweep:
            self.gather(self._grant(student), self.service.write(run_sweep))
        else:
            self.attempt(self._grant(student))

    @rule(capacity=st.integers(0, 3))
    def change_capacity(self, capacity: int) -> None:
        self.attempt(self._mentor(capacity))
        state = self.loop.run_until_complete(self.db.read(_state))
        self.lowered = state["mentors"][0].seats_held > capacity

    @rule(student=st.sampled_from(STUDENTS), counts=st.booleans())
    def book_and_no_show(self, student: int, counts: bool) -> None:
        booked = self.attempt(
            self.service.write(
                schedule_session,
                guild_id=GUILD,
                actor=Actor(MENTOR),
                student_user_id=student,
                when=(self.clock.now() + timedelta(hours=1)).isoformat(),
            )
        )
        if isinstance(booked, Refusal):
            return
        self.clock.advance(timedelta(hours=2))
        service = Service(self.db, self.clock, Policy(no_show_counts=counts))
        self.attempt(
            service.write(noshow_session, guild_id=GUILD, actor=Actor(MENTOR), session_id=booked.session_id)
        )

    @rule(student=st.sampled_from(STUDENTS))
    def complete(self, student: int) -> None:
        self.attempt(
            self.service.write(complete_session, guild_id=GUILD, actor=Actor(MENTOR), student_user_id=student)
        )

    @rule(hours=st.sampled_from([1, 12, 25, 73]), runs=st.sampled_from([1, 2]))
    def time_passes_and_the_sweep_runs(self, hours: int, runs: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        self.gather(*(self.service.write(run_sweep) for _ in range(runs)))

    @invariant()
    def held_seats_fit_and_each_offer_is_once(self) -> None:
        state = self.loop.run_until_complete(self.db.read(_state))
        (mentor,) = state["mentors"]
        held = [row for row in state["seats"] if row.status in ("active", "grace", "offered")]
        assert mentor.seats_held == len(held)
        self.lowered = self.lowered and len(held) > mentor.capacity
        assert len(held) <= mentor.capacity or self.lowered
        offered = [(row.mentor_id, row.student_id) for row in held if row.status == "offered"]
        assert len(offered) == len(set(offered))
        live = [(row.mentor_id, row.student_id) for row in held]
        assert len(live) == len(set(live))
        assert all(count == 1 for _seat, count in state["offers"])
        for row in state["packs"]:
            taken = sum(1 for s in state["sessions"] if s.pack_id == row.id and s.status == "completed")
            assert row.sessions_left == row.sessions_total - taken - row.sessions_forfeited


WaitlistRules.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestWaitlistRules = WaitlistRules.TestCase
