"""The pack rules as a hypothesis state machine, checked step by step against a small pure-Python model.

Each run gets its own SQLite file (a copy of one migrated template) and its own event loop; the rules
grant, complete (named, due or unscheduled, with repeated request keys and sessions, sometimes twice at
once), schedule, cancel, advance the clock, sweep, renew, change a capacity, restart, and buy (R17: an
entitlement, new or delivered again, sometimes twice at once) and place an unplaced purchase. After every
step the database must agree with the model, and the invariants of the spec must hold.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import Connection, func, select

from core import waitlist as wl
from core.clock import ManualClock
from core.db import Database, open_database
from core.domain import Actor, NotificationKind, Policy
from core.errors import InvalidInput, NoFreeSeat, NothingToDo, Refusal
from core.packs import grant_pack
from core.purchases import PurchaseRecorded, grant_purchase, record_purchase
from core.schema import mentors, notifications, packs, purchases, seats, sessions, waitlist
from core.seats import register_mentor
from core.service import Service
from core.sessions import (
    SessionCancelled,
    SessionCompleted,
    SessionMissed,
    cancel_session,
    complete_session,
    noshow_session,
    schedule_session,
)
from core.sweep import SweepReport
from core.sweep import sweep as run_sweep
from core.waitlist import OfferAnswered
from tests.conftest import ADMIN, GUILD, START

T = TypeVar("T")

SKU = 7_000
POLICY = Policy(renewal_sku_id=SKU)  # the server sells renewals in Discord (R17)
# Notifications about a purchase: their subject is the purchase, named in their (unique) key.
PURCHASE_KINDS = (NotificationKind.PURCHASE_UNPLACED.value, NotificationKind.PURCHASE_UNPLACED_ADMINS.value)
MENTORS = {10: 2, 11: 1}  # mentor -> starting capacity
STUDENTS = (20, 21, 22)
HOUR = timedelta(hours=1)
_TEMPLATE: dict[str, Path] = {}
# Memory-backed when there is one: every commit is fsynced (synchronous=FULL), and a run makes hundreds.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


def template_database() -> Path:
    """One migrated SQLite file, copied for every run (migrating each time would dominate)."""
    if "path" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="mentorbot-sm-template-", dir=SCRATCH))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"

        async def migrate() -> None:
            database = open_database(f"sqlite:///{path}")
            await database.migrate()
            await database.dispose()

        asyncio.run(migrate())
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


# ---- the model -------------------------------------------------------------------------------------------


@dataclass
class MPack:
    id: int
    seat: int
    total: int
    ends_at: datetime
    left: int
    booked: int = 0
    forfeited: int = 0
    status: str = "active"
    expiry_warned: bool = False


@dataclass
class MSeat:
    id: int
    mentor: int
    student: int
    status: str = "active"
    grace_ends_at: datetime | None = None
    period: int = 0
    warned: bool = False
    offer_ends_at: datetime | None = None  # while 'offered' (R19)


@dataclass
class MPlace:
    """A place in a mentor's line (R19); the list's order is the join order."""

    mentor: int
    student: int
    status: str = "waiting"
    seat: int | None = None
    accepted: bool = False


@dataclass
class MSession:
    id: int
    seat: int
    pack: int
    status: str
    starts_at: datetime
    reminded: bool
    completed_at: datetime | None = None


@dataclass
class MMentor:
    capacity: int
    held: int = 0
    lowered: bool = False  # capacity was set below the seats held, which may then exceed it


class Model:
    """The spec's rules over plain objects: what the database should hold after each step."""

    def __init__(self) -> None:
        self.mentors = {user: MMentor(capacity) for user, capacity in MENTORS.items()}
        self.seats: dict[int, MSeat] = {}
        self.packs: dict[int, MPack] = {}
        self.sessions: dict[int, MSession] = {}
        self.keys: set[str] = set()
        self.requests: dict[str, int] = {}  # request key -> the session it completed
        # entitlement -> [purchase id, buyer, pack id or None (unplaced)]
        self.purchases: dict[int, list[Any]] = {}
        self.line: list[MPlace] = []

    def purchase_target(self, student: int) -> MSeat | None:
        """R17: the student's seat in grace (soonest deadline), else one offered to them (R19), else
        the live one with the fewest sessions left (the pack ending soonest, then the oldest seat)."""
        far = datetime.max.replace(tzinfo=START.tzinfo)

        def urgency(seat: MSeat) -> tuple[int, datetime, int, datetime, int]:
            if seat.status == "grace":
                return (0, seat.grace_ends_at or far, 0, far, seat.id)
            if seat.status == "offered":
                return (1, far, 0, far, seat.id)
            live = [p for p in self.packs_of(seat) if p.status == "active"]
            ends = min((p.ends_at for p in live), default=far)
            return (2, far, sum(p.left for p in live), ends, seat.id)

        mine = [
            s
            for s in self.seats.values()
            if s.student == student and s.status in ("active", "grace", "offered")
        ]
        return min(mine, key=urgency, default=None)

    def next_seat_id(self) -> int:
        return max(self.seats, default=0) + 1

    def place(self, mentor: int, student: int) -> MPlace | None:
        for place in self.line:
            if (place.mentor, place.student) == (mentor, student) and place.status in ("waiting", "offered"):
                return place
        return None

    def offered_seat(self, mentor: int, student: int) -> MSeat | None:
        for seat in self.seats.values():
            if (seat.mentor, seat.student, seat.status) == (mentor, student, "offered"):
                return seat
        return None

    def offer(self, mentor: int, now: datetime) -> set[int]:
        """R19: while the mentor has a free seat, the first waiting in their line is offered one."""
        offered: set[int] = set()
        state = self.mentors[mentor]
        while state.held < state.capacity:
            place = next((p for p in self.line if p.mentor == mentor and p.status == "waiting"), None)
            if place is None:
                break
            seat = MSeat(
                self.next_seat_id(), mentor, place.student, "offered", offer_ends_at=now + POLICY.offer_hold
            )
            self.seats[seat.id] = seat
            state.held += 1
            place.status, place.seat = "offered", seat.id
            self.keys.add(f"waitlist_offer:seat:{seat.id}")
            event("waitlist offer")
            offered.add(seat.id)
        return offered

    def free_offer(self, seat: MSeat, outcome: str) -> None:
        seat.status = "released"
        self.mentors[seat.mentor].held -= 1
        for place in self.line:
            if place.seat == seat.id and place.status == "offered":
                place.status = outcome

    def live_seat(self, mentor: int, student: int) -> MSeat | None:
        for seat in self.seats.values():
            if (seat.mentor, seat.student) == (mentor, student) and seat.status in ("active", "grace"):
                return seat
        return None

    def packs_of(self, seat: MSeat) -> list[MPack]:
        return sorted((p for p in self.packs.values() if p.seat == seat.id), key=lambda p: p.id)

    def booked_on(self, seat: MSeat) -> list[MSession]:
        return [s for s in self.sessions.values() if s.seat == seat.id and s.status == "scheduled"]

    def oldest_unbooked(self, seat: MSeat, now: datetime, by: datetime | None = None) -> MPack | None:
        """R3/R10: the oldest active, unexpired pack with an unbooked session (valid until ``by``)."""
        for pack in self.packs_of(seat):
            unbooked = pack.status == "active" and pack.ends_at > now and pack.left - pack.booked > 0
            if unbooked and (by is None or pack.ends_at >= by):
                return pack
        return None

    def overlaps(self, seat: MSeat, starts_at: datetime, minutes: int = 60) -> bool:
        """R10: the student already has a booked session with this mentor at that time."""
        return any(
            session.seat == seat.id
            and session.status == "scheduled"
            and session.starts_at < starts_at + timedelta(minutes=minutes)
            and starts_at < session.starts_at + timedelta(minutes=60)
            for session in self.sessions.values()
        )

    def renewed(self, pack: MPack, now: datetime) -> bool:
        return any(
            other.id != pack.id and other.status == "active" and other.ends_at > now
            for other in self.packs.values()
            if other.seat == pack.seat
        )

    def take_one(self, pack: MPack, now: datetime, booked: bool, missed: bool = False) -> int:
        """R3–R6: one session off ``pack``; returns its number. ``missed``: a no-show that counts
        (R18): the session is lost, not completed; the renewal DMs follow the sessions left."""
        pack.left -= 1
        if booked:
            pack.booked -= 1
        if missed:
            pack.forfeited += 1
        number = pack.total - pack.left - (0 if missed else pack.forfeited)
        depleted = pack.status == "active" and pack.left == 0
        if depleted:
            pack.status = "depleted"
        live = pack.ends_at > now
        kind = None
        if pack.status in ("active", "depleted") and live:
            # R5 counts on the sessions left, whatever took them (a completion or a no-show).
            if pack.left == 0:
                kind = "pack_complete"
            elif pack.total >= 2 and pack.left == 1:
                kind = "one_left"
        renewed = self.renewed(pack, now)
        event(f"completed on a {'live' if live else 'past-due'} {pack.status} pack")
        if kind and not renewed:
            self.keys.add(f"{kind}:pack:{pack.id}")
        if depleted and live and not renewed:
            seat = self.seats[pack.seat]
            assert seat.status == "active", "a pack with sessions left sat on a seat not active"
            seat.status, seat.grace_ends_at, seat.warned = "grace", now + POLICY.grace_period, False
            seat.period += 1
            event(f"grace period {seat.period} started")
            self.keys.add(f"grace_started:seat:{seat.id}:{seat.period}")
        return number

    def sweep(self, now: datetime) -> dict[str, set[int]]:
        done: dict[str, set[int]] = {
            name: set() for name in ("expired", "released", "final", "expiry", "remind", "lapsed", "offered")
        }
        for pack in self.packs.values():
            if pack.status == "active" and pack.ends_at <= now:
                pack.status = "expired"
                pack.forfeited += pack.left - pack.booked
                pack.left = pack.booked
                done["expired"].add(pack.id)
                event("expired with a booked session" if pack.booked else "expired")
        for seat in self.seats.values():
            if self.booked_on(seat):
                if seat.status in ("active", "grace") and (
                    (seat.status == "grace" and seat.grace_ends_at is not None and seat.grace_ends_at <= now)
                    or not any(p.status == "active" for p in self.packs_of(seat))
                ):
                    event("release held back by a booked session")
                continue
            grace_over = (
                seat.status == "grace" and seat.grace_ends_at is not None and seat.grace_ends_at <= now
            )
            all_expired = seat.status == "active" and not any(
                p.status == "active" for p in self.packs_of(seat)
            )
            if grace_over or all_expired:
                seat.status, seat.warned = "released", False
                event("released after grace" if grace_over else "released, all packs expired")
                self.mentors[seat.mentor].held -= 1
                self.keys |= {f"seat_released:seat:{seat.id}", f"seat_released_mentor:seat:{seat.id}"}
                done["released"].add(seat.id)
        for mentor in sorted({self.seats[seat_id].mentor for seat_id in done["released"]}):
            done["offered"] |= self.offer(mentor, now)
        lapsed = [
            seat
            for seat in self.seats.values()
            if seat.status == "offered" and seat.offer_ends_at is not None and seat.offer_ends_at <= now
        ]
        for seat in lapsed:
            self.free_offer(seat, "lapsed")
            done["lapsed"].add(seat.id)
            event("waitlist offer lapsed")
        for mentor in sorted({seat.mentor for seat in lapsed}):
            done["offered"] |= self.offer(mentor, now)
        for seat in self.seats.values():
            if seat.status == "grace" and not seat.warned:
                assert seat.grace_ends_at is not None
                # The flag is set only with the warning it queues: none once the grace has ended.
                if seat.grace_ends_at - POLICY.final_warning_lead <= now < seat.grace_ends_at:
                    seat.warned = True
                    self.keys.add(f"final_warning:seat:{seat.id}:{seat.period}")
                    event("final warning")
                    done["final"].add(seat.id)
        for pack in self.packs.values():
            due = pack.ends_at - POLICY.expiry_warning_lead <= now
            # Only a pack with an unbooked session is warned; a cancel later can make it one.
            unbooked = pack.left > pack.booked and pack.ends_at > now
            if pack.status == "active" and not pack.expiry_warned and due and unbooked:
                pack.expiry_warned = True
                self.keys.add(
                    f"expiry_warning:pack:{pack.id}:ends:{int(pack.ends_at.timestamp())}"
                )  # once per end date
                event("expiry warning")
                done["expiry"].add(pack.id)
        for session in self.sessions.values():
            due = session.starts_at - POLICY.session_reminder_lead <= now
            if session.status == "scheduled" and not session.reminded and due:
                session.reminded = True
                if session.starts_at > now:
                    self.keys.add(f"session_reminder:session:{session.id}")
                    # R21: the mentor is reminded too.
                    self.keys.add(f"session_reminder_mentor:session:{session.id}")
                    done["remind"].add(session.id)
        return done


# ---- the machine -----------------------------------------------------------------------------------------


def _state(connection: Connection) -> dict[str, list[Any]]:
    return {
        "mentors": list(connection.execute(select(mentors).order_by(mentors.c.id))),
        "seats": list(connection.execute(select(seats).order_by(seats.c.id))),
        "packs": list(connection.execute(select(packs).order_by(packs.c.id))),
        "sessions": list(connection.execute(select(sessions).order_by(sessions.c.id))),
        "keys": list(connection.execute(select(notifications.c.key)).scalars()),
        "line": list(connection.execute(select(waitlist).order_by(waitlist.c.id))),
        "per_subject": list(
            connection.execute(
                select(func.count())
                .select_from(notifications)
                .where(notifications.c.kind.not_in(PURCHASE_KINDS))
                .group_by(
                    notifications.c.kind,
                    notifications.c.pack_id,
                    notifications.c.seat_id,
                    notifications.c.session_id,
                    notifications.c.seat_period,
                )
            ).scalars()
        ),
        "purchases": list(connection.execute(select(purchases).order_by(purchases.c.id))),
        "purchase_packs": list(
            connection.execute(select(packs.c.id).where(packs.c.request_key.like("purchase:%"))).scalars()
        ),
    }


class PackRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="mentorbot-sm-", dir=SCRATCH))
        self.path = self.folder / "mentorbot.db"
        shutil.copy(template_database(), self.path)
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(START)
        self.db: Database = open_database(f"sqlite:///{self.path}")
        self.service = Service(self.db, self.clock, POLICY)
        self.model = Model()
        self.request_count = 0
        self.request_keys: list[tuple[str, int, int]] = []  # (key, student, mentor)
        for user, capacity in MENTORS.items():
            self.run(
                self.service.write(
                    register_mentor,
                    guild_id=GUILD,
                    actor=ADMIN,
                    mentor_user_id=user,
                    mentor_name=f"mentor{user}",
                    seats_capacity=capacity,
                )
            )

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)

    def gather(self, *works: Coroutine[Any, Any, T]) -> list[T | BaseException]:
        """Run ``works`` at once on this run's loop; what each returned or raised."""

        async def together() -> list[T | BaseException]:
            return await asyncio.gather(*works, return_exceptions=True)

        return self.run(together())

    def attempt(self, work: Coroutine[Any, Any, T]) -> T | Refusal:
        try:
            return self.run(work)
        except Refusal as refusal:
            return refusal

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def teardown(self) -> None:
        try:
            self.run(self.db.dispose())
        finally:
            self.loop.close()
            for _ in range(3):  # SQLite may still be removing its -wal / -shm files
                shutil.rmtree(self.folder, ignore_errors=True)
                if not self.folder.exists():
                    break

    def pair(self, data: st.DataObject) -> tuple[int, int]:
        """A (student, mentor) to act on: mostly one with a live seat, sometimes any (to be refused)."""
        live = sorted(
            (seat.student, seat.mentor)
            for seat in self.model.seats.values()
            if seat.status in ("active", "grace")
        )
        anyone = [(student, mentor) for student in STUDENTS for mentor in sorted(MENTORS)]
        return data.draw(st.sampled_from(live * 4 + anyone))

    # ---- rules ---------------------------------------------------------------------------------------

    @initialize(sessions_count=st.integers(1, 3), days=st.integers(1, 5))
    def two_students_start_with_a_pack(self, sessions_count: int, days: int) -> None:
        self._grant(STUDENTS[0], 10, sessions_count, days)
        self._grant(STUDENTS[1], 11, 4 - sessions_count, 6 - days)

    def _grant(self, student: int, mentor: int, sessions_count: int, days: int) -> None:
        result = self.attempt(
            self.service.write(
                grant_pack,
                guild_id=GUILD,
                actor=ADMIN,
                student_user_id=student,
                student_name=f"student{student}",
                mentor_user_id=mentor,
                sessions_count=sessions_count,
                valid_days=days,
            )
        )
        self._expect_grant(result, student, mentor, sessions_count, days)

    def _expect_grant(self, result: Any, student: int, mentor: int, sessions_count: int, days: int) -> bool:
        """R2: a grant did what the model says (a new or joined seat, or no free seat); apply it."""
        model = self.model
        live = model.live_seat(mentor, student)
        offered = model.offered_seat(mentor, student) if live is None else None
        if live is None and offered is None and model.mentors[mentor].held >= model.mentors[mentor].capacity:
            assert isinstance(result, NoFreeSeat), result
            return False
        assert not isinstance(result, Refusal), result
        place = model.place(mentor, student)
        if place is not None:
            place.status = "seated"
        if live is not None:
            assert (result.seat_id, result.new_seat) == (live.id, False)
            assert result.renewed_from_grace == (live.status == "grace")
            live.status, live.grace_ends_at, live.warned = "active", None, False
        elif offered is not None:  # R19: the grant takes the seat held for them
            assert (result.seat_id, result.new_seat) == (offered.id, True)
            offered.status, offered.offer_ends_at = "active", None
            event("grant took an offered seat")
        else:
            assert result.new_seat
            model.seats[result.seat_id] = MSeat(result.seat_id, mentor, student)
            model.mentors[mentor].held += 1
        model.packs[result.pack_id] = MPack(
            result.pack_id, result.seat_id, sessions_count, self.now + timedelta(days=days), sessions_count
        )
        return True

    @rule(
        student=st.sampled_from(STUDENTS),
        mentor=st.sampled_from(sorted(MENTORS)),
        sessions_count=st.integers(1, 3),
        days=st.integers(1, 5),
    )
    def grant(self, student: int, mentor: int, sessions_count: int, days: int) -> None:
        self._grant(student, mentor, sessions_count, days)

    @precondition(lambda self: any(seat.status == "grace" for seat in self.model.seats.values()))
    @rule(data=st.data(), sessions_count=st.integers(1, 3))
    def renew(self, data: st.DataObject, sessions_count: int) -> None:
        seat = data.draw(st.sampled_from([s for s in self.model.seats.values() if s.status == "grace"]))
        self._grant(seat.student, seat.mentor, sessions_count, 4)

    @rule(mentor=st.sampled_from(sorted(MENTORS)), capacity=st.integers(0, 3))
    def change_capacity(self, mentor: int, capacity: int) -> None:
        self.run(
            self.service.write(
                register_mentor,
                guild_id=GUILD,
                actor=ADMIN,
                mentor_user_id=mentor,
                mentor_name=f"mentor{mentor}",
                seats_capacity=capacity,
            )
        )
        state = self.model.mentors[mentor]
        raised = capacity > state.capacity
        state.capacity = capacity
        state.lowered = state.held > capacity
        if raised:
            self.model.offer(mentor, self.now)

    def _expect_completion(self, session: MSession, result: SessionCompleted | Refusal) -> None:
        """A named completion of ``session`` (or a due one) did what the model says; apply it."""
        if session.status == "completed":
            assert isinstance(result, SessionCompleted), result
            assert result.already_completed
            assert result.completed_at == session.completed_at
        elif session.status in ("cancelled", "no_show"):
            assert isinstance(result, NothingToDo), result
        else:
            assert isinstance(result, SessionCompleted), result
            assert not result.already_completed
            number = self.model.take_one(self.model.packs[session.pack], self.now, booked=True)
            assert (result.session_id, result.pack_id, result.number) == (session.id, session.pack, number)
            session.status, session.completed_at = "completed", self.now

    @precondition(lambda self: bool(self.model.sessions))
    @rule(data=st.data(), twice_at_once=st.booleans())
    def complete_a_named_session(self, data: st.DataObject, twice_at_once: bool) -> None:
        session = data.draw(st.sampled_from(sorted(self.model.sessions.values(), key=lambda s: s.id)))
        seat = self.model.seats[session.seat]

        async def complete() -> SessionCompleted:
            return await self.service.write(
                complete_session,
                guild_id=GUILD,
                actor=Actor(seat.mentor),
                student_user_id=seat.student,
                session_id=session.id,
            )

        if twice_at_once:
            both = self.gather(complete(), complete())
            if session.status == "scheduled":
                assert sorted(isinstance(r, SessionCompleted) and r.already_completed for r in both) == [
                    False,
                    True,
                ], both
                first = next(r for r in both if isinstance(r, SessionCompleted) and not r.already_completed)
                self._expect_completion(session, first)
                return
            for result in both:
                assert not isinstance(result, BaseException) or isinstance(result, Refusal), result
            self._expect_completion(session, both[0])  # type: ignore[arg-type]
            return
        self._expect_completion(session, self.attempt(complete()))

    # Hypothesis tries rules with fewer arguments first: this one (and time passing) lead the way.
    @rule(data=st.data())
    def complete_without_naming_a_session(self, data: st.DataObject) -> None:
        if bool(self.request_keys) and data.draw(st.booleans(), label="repeat a request"):
            key, student, mentor = data.draw(st.sampled_from(self.request_keys))
        else:
            student, mentor = self.pair(data)
            self.request_count += 1
            key = f"request-{self.request_count}"
            self.request_keys.append((key, student, mentor))
        model = self.model
        result = self.attempt(
            self.service.write(
                complete_session,
                guild_id=GUILD,
                actor=Actor(mentor),
                student_user_id=student,
                request_key=key,
            )
        )
        if key in model.requests:
            session = model.sessions[model.requests[key]]
            assert isinstance(result, SessionCompleted), result
            assert result.already_completed
            assert (result.session_id, result.completed_at) == (session.id, session.completed_at)
            return
        seat = model.live_seat(mentor, student)
        if seat is None:
            assert isinstance(result, Refusal), result
            return
        due = sorted(
            (s for s in model.booked_on(seat) if s.starts_at <= self.now + HOUR),
            key=lambda s: (s.starts_at, s.id),
        )
        if due:
            self._expect_completion(due[0], result)
            model.requests[key] = due[0].id
            return
        pack = model.oldest_unbooked(seat, self.now)
        if pack is None:
            assert isinstance(result, NothingToDo), result
            return
        assert isinstance(result, SessionCompleted), result
        assert not result.already_completed
        number = model.take_one(pack, self.now, booked=False)
        assert (result.pack_id, result.number) == (pack.id, number)
        model.sessions[result.session_id] = MSession(
            result.session_id, seat.id, pack.id, "completed", self.now, True, self.now
        )
        model.requests[key] = result.session_id

    @rule(data=st.data(), hours=st.sampled_from([1, 2, 12, 23, 25, 30, 48, 72, 100, 150]))
    def schedule(self, data: st.DataObject, hours: int) -> None:
        student, mentor = self.pair(data)
        starts_at = self.now + timedelta(hours=hours)
        result = self.attempt(
            self.service.write(
                schedule_session,
                guild_id=GUILD,
                actor=Actor(mentor),
                student_user_id=student,
                when=starts_at.isoformat(),
            )
        )
        seat = self.model.live_seat(mentor, student)
        pack = self.model.oldest_unbooked(seat, self.now, by=starts_at) if seat else None
        if seat is None or pack is None or self.model.overlaps(seat, starts_at):
            assert isinstance(result, Refusal), result
            return
        assert not isinstance(result, Refusal), result
        assert result.pack_id == pack.id
        pack.booked += 1
        reminded = starts_at - POLICY.session_reminder_lead <= self.now
        self.model.sessions[result.session_id] = MSession(
            result.session_id, seat.id, pack.id, "scheduled", starts_at, reminded
        )
        self.model.keys.add(f"session_booked:session:{result.session_id}")

    @precondition(lambda self: bool(self.model.sessions))
    @rule(data=st.data(), twice_at_once=st.booleans())
    def cancel(self, data: st.DataObject, twice_at_once: bool) -> None:
        session = data.draw(st.sampled_from(sorted(self.model.sessions.values(), key=lambda s: s.id)))
        seat = self.model.seats[session.seat]

        async def cancel() -> SessionCancelled:
            return await self.service.write(
                cancel_session, guild_id=GUILD, actor=Actor(seat.mentor), session_id=session.id
            )

        if twice_at_once:
            both = self.gather(cancel(), cancel())
            refused = [r for r in both if isinstance(r, NothingToDo)]
            assert len(refused) == (1 if session.status == "scheduled" else 2), both
            result = next((r for r in both if not isinstance(r, NothingToDo)), refused[0])
        else:
            result = self.attempt(cancel())
        if session.status != "scheduled":
            assert isinstance(result, NothingToDo), result
            return
        assert not isinstance(result, Refusal), result
        session.status = "cancelled"
        pack = self.model.packs[session.pack]
        pack.booked -= 1
        if pack.status == "expired":  # R10: cancelled on an expired pack, it is forfeited
            pack.left -= 1
            pack.forfeited += 1
            event("cancelled on an expired pack")
        self.model.keys.add(f"session_cancelled:session:{session.id}")

    def _buy(self, entitlement: int, student: int) -> Any:
        return self.service.write(
            record_purchase,
            entitlement_id=entitlement,
            sku_id=SKU,
            buyer_user_id=student,
            server_ids=(GUILD,),
        )

    @rule(
        student=st.sampled_from(STUDENTS),
        again=st.booleans(),
        twice_at_once=st.booleans(),
        data=st.data(),
    )
    def buy(self, student: int, again: bool, twice_at_once: bool, data: st.DataObject) -> None:
        """R17: an entitlement arrives: new, or one seen before (delivered again, read by a sweep)."""
        model = self.model
        if again and model.purchases:
            entitlement = data.draw(st.sampled_from(sorted(model.purchases)))
            student = model.purchases[entitlement][1]
        else:
            entitlement = 1000 + len(model.purchases)
        results = self.gather(*(self._buy(entitlement, student) for _ in range(2 if twice_at_once else 1)))
        assert all(isinstance(result, PurchaseRecorded) for result in results), results
        done = [result for result in results if isinstance(result, PurchaseRecorded)]
        fresh = [result for result in done if not result.already_recorded]
        if entitlement in model.purchases:
            assert fresh == []
            event("purchase delivered again")
            return
        (result,) = fresh  # once, however many saw it at once
        target = model.purchase_target(student)
        if target is None:
            assert result.pack is None
            model.purchases[entitlement] = [result.purchase_id, student, None]
            model.keys.add(f"purchase_unplaced:purchase:{result.purchase_id}")
            model.keys.add(f"purchase_unplaced_admins:purchase:{result.purchase_id}")  # the admins are told
            event("purchase unplaced")
            return
        assert result.pack is not None
        assert result.pack.seat_id == target.id
        event(f"purchase placed on a seat in {target.status}")
        assert self._expect_grant(
            result.pack, student, target.mentor, POLICY.pack_size, POLICY.pack_valid_days
        )
        model.purchases[entitlement] = [result.purchase_id, student, result.pack.pack_id]
        model.keys.add(f"purchase_placed:purchase:{result.purchase_id}")

    @precondition(lambda self: any(item[2] is None for item in self.model.purchases.values()))
    @rule(data=st.data(), mentor=st.sampled_from(sorted(MENTORS)))
    def place_an_unplaced_purchase(self, data: st.DataObject, mentor: int) -> None:
        """``/pack grant … purchase:`` for a purchase that had no seat to go to."""
        waiting = sorted(e for e, item in self.model.purchases.items() if item[2] is None)
        entitlement = data.draw(st.sampled_from(waiting))
        purchase_id, student, _ = self.model.purchases[entitlement]
        result = self.attempt(
            self.service.write(
                grant_purchase,
                guild_id=GUILD,
                actor=ADMIN,
                purchase_id=purchase_id,
                student_user_id=student,
                student_name=f"student{student}",
                mentor_user_id=mentor,
            )
        )
        if self._expect_grant(result, student, mentor, POLICY.pack_size, POLICY.pack_valid_days):
            assert not isinstance(result, Refusal)
            self.model.purchases[entitlement][2] = result.pack_id
            self.model.keys.add(f"purchase_placed:purchase:{purchase_id}")
            event("unplaced purchase placed")

    # ---- R18, R19 ---------------------------------------------------------------------------------

    @rule(student=st.sampled_from(STUDENTS), mentor=st.sampled_from(sorted(MENTORS)))
    def join_the_waitlist(self, student: int, mentor: int) -> None:
        model = self.model
        result = self.attempt(
            self.service.write(
                wl.join_waitlist,
                guild_id=GUILD,
                actor=Actor(student),
                mentor_user_id=mentor,
                student_name="s",
            )
        )
        state = model.mentors[mentor]
        holds = model.live_seat(mentor, student) or model.offered_seat(mentor, student)
        if holds is not None or state.held < state.capacity or model.place(mentor, student) is not None:
            assert isinstance(result, NothingToDo), result
            return
        assert not isinstance(result, Refusal), result
        model.line.append(MPlace(mentor, student))
        waiting = [p for p in model.line if p.mentor == mentor and p.status in ("waiting", "offered")]
        assert result.place.position == len(waiting)
        event("joined a waitlist")

    def _offered(self) -> list[MSeat]:
        return sorted((s for s in self.model.seats.values() if s.status == "offered"), key=lambda s: s.id)

    @precondition(lambda self: bool(self._offered()))
    @rule(data=st.data(), twice_at_once=st.booleans())
    def decline_an_offer(self, data: st.DataObject, twice_at_once: bool) -> None:
        seat = data.draw(st.sampled_from(self._offered()))

        async def decline() -> OfferAnswered:
            return await self.service.write(wl.decline_offer, actor=Actor(seat.student), seat_id=seat.id)

        results = self.gather(*(decline() for _ in range(2 if twice_at_once else 1)))
        assert sum(isinstance(r, OfferAnswered) for r in results) == 1, results
        assert all(isinstance(r, OfferAnswered | NothingToDo) for r in results), results
        self.model.free_offer(seat, "declined")
        self.model.offer(seat.mentor, self.now)
        event("declined an offer")

    @precondition(lambda self: bool(self._offered()))
    @rule(data=st.data())
    def accept_an_offer(self, data: st.DataObject) -> None:
        seat = data.draw(st.sampled_from(self._offered()))
        result = self.attempt(self.service.write(wl.accept_offer, actor=Actor(seat.student), seat_id=seat.id))
        assert isinstance(result, OfferAnswered), result
        place = next(p for p in self.model.line if p.seat == seat.id)
        assert result.already == place.accepted
        place.accepted = True
        if POLICY.renewal_sku_id is None and POLICY.stripe_link is None:
            self.model.keys.add(f"waitlist_accepted:seat:{seat.id}")  # else the reply has the way to buy

    @precondition(lambda self: bool(self.model.sessions))
    @rule(data=st.data(), counts=st.booleans())
    def mark_a_no_show(self, data: st.DataObject, counts: bool) -> None:
        session = data.draw(st.sampled_from(sorted(self.model.sessions.values(), key=lambda s: s.id)))
        seat = self.model.seats[session.seat]
        service = Service(self.db, self.clock, Policy(no_show_counts=counts))
        result = self.attempt(
            service.write(noshow_session, guild_id=GUILD, actor=Actor(seat.mentor), session_id=session.id)
        )
        if session.status != "scheduled":
            assert isinstance(result, NothingToDo), result
            return
        if session.starts_at > self.now:
            assert isinstance(result, InvalidInput), result
            return
        assert isinstance(result, SessionMissed), result
        assert result.taken == counts
        session.status = "no_show"
        pack = self.model.packs[session.pack]
        if counts:
            self.model.take_one(pack, self.now, booked=True, missed=True)
            event("no-show taken off the pack")
        else:
            pack.booked -= 1
            if pack.status == "expired":
                pack.left -= 1
                pack.forfeited += 1
        self.model.keys.add(f"no_show:session:{session.id}")

    @rule(hours=st.sampled_from([1, 6, 11, 12, 13, 24, 47, 60, 72]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @rule(
        hours=st.sampled_from([0, 1, 6, 12, 24, 36, 48, 60]),
        runs=st.sampled_from([1, 1, 2]),
        restart_first=st.booleans(),
    )
    def time_passes_and_the_sweep_runs(self, hours: int, runs: int, restart_first: bool) -> None:
        self.clock.advance(timedelta(hours=hours))
        if restart_first:  # the bot restarts on the same database; its first sweep catches up
            self.run(self.db.dispose())
            self.db = open_database(f"sqlite:///{self.path}")
            self.service = Service(self.db, self.clock, POLICY)
        reports = self.gather(*(self.service.write(run_sweep) for _ in range(runs)))
        assert all(isinstance(report, SweepReport) for report in reports), reports
        expected = self.model.sweep(self.now)
        done = [report for report in reports if isinstance(report, SweepReport)]
        got = {
            "expired": {i for r in done for i in r.expired_packs},
            "released": {i for r in done for i in r.released_seats},
            "final": {i for r in done for i in r.final_warnings},
            "expiry": {i for r in done for i in r.expiry_warnings},
            "remind": {i for r in done for i in r.session_reminders},
            "lapsed": {i for r in done for i in r.lapsed_offers},
            "offered": {i for r in done for i in r.offered_seats},
        }
        assert got == expected
        for mentor in self.model.mentors.values():
            mentor.lowered = mentor.lowered and mentor.held > mentor.capacity

    # ---- invariants ----------------------------------------------------------------------------------

    @invariant()
    def the_database_agrees_with_the_model_and_the_spec(self) -> None:
        state = self.run(self.db.read(_state))
        model = self.model
        completed: dict[int, int] = {}
        for row in state["sessions"]:
            if row.status == "completed":
                completed[row.pack_id] = completed.get(row.pack_id, 0) + 1
        # remaining = sessions − distinct completions (− forfeited, once expired) ≥ 0
        for row in state["packs"]:
            assert row.sessions_left >= 0
            assert row.sessions_left == row.sessions_total - completed.get(row.id, 0) - row.sessions_forfeited
            pack = model.packs[row.id]
            assert (row.status, row.sessions_left, row.sessions_booked, row.sessions_forfeited) == (
                pack.status,
                pack.left,
                pack.booked,
                pack.forfeited,
            ), row.id
        # held seats ≤ capacity, unless the capacity was lowered below them
        for row in state["mentors"]:
            mentor = model.mentors[row.user_id]
            # held seats, offered ones (R19) included, ≤ capacity (unless it was lowered below them)
            held = [
                s
                for s in state["seats"]
                if s.mentor_id == row.id and s.status in ("active", "grace", "offered")
            ]
            assert row.seats_held == len(held) == mentor.held
            assert row.seats_held <= row.capacity or mentor.lowered
            # one offer per seat and student: one held seat per (mentor, student), offered or live
            assert len({s.student_id for s in held}) == len(held)
        for row in state["seats"]:
            seat = model.seats[row.id]
            assert (row.status, row.grace_ends_at, row.grace_period, row.final_warning_queued) == (
                seat.status,
                seat.grace_ends_at,
                seat.period,
                seat.warned,
            ), row.id
            if row.status == "offered":
                assert row.offer_ends_at == seat.offer_ends_at, row.id
            on_seat = [p for p in state["packs"] if p.seat_id == row.id]
            booked = [s for s in state["sessions"] if s.seat_id == row.id and s.status == "scheduled"]
            # a seat in grace has no live pack with sessions left
            if row.status == "grace":
                assert not [
                    p for p in on_seat if p.status == "active" and p.ends_at > self.now and p.sessions_left
                ]
            # no release while a session is booked
            if row.status == "released":
                assert booked == []
        for row in state["sessions"]:
            assert row.status == model.sessions[row.id].status, row.id
        # one notification per key, and per (kind, subject, period)
        assert len(state["keys"]) == len(set(state["keys"]))
        assert set(state["keys"]) == model.keys
        assert all(count == 1 for count in state["per_subject"])
        # R17: one pack per entitlement, and each purchase where the model put it
        assert [(row.entitlement_id, row.pack_id) for row in state["purchases"]] == [
            (entitlement, item[2]) for entitlement, item in sorted(model.purchases.items())
        ]
        placed = [row.pack_id for row in state["purchases"] if row.pack_id is not None]
        assert len(placed) == len(set(placed))
        arrived = sorted(
            row.pack_id
            for row in state["purchases"]
            if row.pack_id is not None and row.placed_by == row.user_id
        )
        assert sorted(state["purchase_packs"]) == arrived
        # the lines, in join order
        assert [(p.student_id, p.status, p.seat_id) for p in state["line"]] == [
            (p.student, p.status, p.seat) for p in model.line
        ]


PackRules.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPackRules = PackRules.TestCase
