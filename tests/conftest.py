"""Shared builders for the tests.

The database backend is switched by ``backend``: every test that asks for ``service`` or ``db`` runs on
a real SQLite file, and again on PostgreSQL (marker ``postgres``) when ``TEST_DATABASE_URL`` is set;
each PostgreSQL test gets a schema of its own. Time is a ``ManualClock`` starting ``START``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import select, text

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from core.db import Database, open_database
from core.domain import Actor, Policy
from core.outbox import Claimed
from core.packs import PackGranted, grant_pack
from core.schema import notifications, packs, seats, sessions
from core.seats import MentorRegistered, register_mentor
from core.service import Service
from core.sessions import (
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    cancel_session,
    complete_session,
    schedule_session,
)
from core.sweep import SweepReport, sweep

START = datetime(2026, 1, 5, 12, tzinfo=UTC)
# Every test bot's web door takes a free port (R24): the suites build many bots, in several processes,
# at once. A bot built from the environment (a child process, Settings() without web_port) gets it too.
os.environ["WEB_PORT"] = "0"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
GUILD = 1000
ADMIN = Actor(1, is_admin=True)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/mentorbot.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    return str(request.param)


@dataclass
class Store:
    """Where a test's database lives: a URL, and for PostgreSQL the schema that holds it."""

    url: str
    schema: str | None = None

    def open(self) -> Database:
        return open_database(self.url, schema=self.schema)


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    if backend == "sqlite":
        yield Store(sqlite_url(tmp_path))
        return
    assert TEST_DATABASE_URL is not None
    place = Store(TEST_DATABASE_URL, schema=f"t_{uuid.uuid4().hex[:12]}")
    yield place
    admin = open_database(TEST_DATABASE_URL)
    try:
        await admin.write(lambda c: c.execute(text(f'DROP SCHEMA IF EXISTS "{place.schema}" CASCADE')))
    finally:
        await admin.dispose()


@pytest.fixture
async def db(store: Store) -> AsyncIterator[Database]:
    database = store.open()
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def service(db: Database, clock: ManualClock, policy: Policy) -> Service:
    return Service(db, clock, policy)


@dataclass
class Program:
    """One server's program, driven through the use cases as the commands drive it."""

    service: Service
    clock: ManualClock
    guild_id: int = GUILD
    admin: Actor = ADMIN
    names: dict[int, str] = field(default_factory=dict)

    async def mentor(self, mentor: int = 10, seats: int = 3) -> MentorRegistered:
        return await self.service.write(
            register_mentor,
            guild_id=self.guild_id,
            actor=self.admin,
            mentor_user_id=mentor,
            mentor_name=f"mentor{mentor}",
            seats_capacity=seats,
        )

    async def grant(
        self, student: int = 20, mentor: int = 10, sessions: int | None = None, valid_days: int | None = None
    ) -> PackGranted:
        return await self.service.write(
            grant_pack,
            guild_id=self.guild_id,
            actor=self.admin,
            student_user_id=student,
            student_name=f"student{student}",
            mentor_user_id=mentor,
            sessions_count=sessions,
            valid_days=valid_days,
        )

    async def complete(
        self,
        student: int = 20,
        mentor: int = 10,
        session: int | None = None,
        key: str | None = None,
        actor: Actor | None = None,
    ) -> SessionCompleted:
        return await self.service.write(
            complete_session,
            guild_id=self.guild_id,
            actor=actor or Actor(mentor),
            student_user_id=student,
            session_id=session,
            request_key=key,
        )

    async def schedule(
        self, student: int = 20, mentor: int = 10, at: datetime | str | None = None, minutes: int = 60
    ) -> SessionBooked:
        when = at if isinstance(at, str) else (at or self.clock.now() + timedelta(days=2)).isoformat()
        return await self.service.write(
            schedule_session,
            guild_id=self.guild_id,
            actor=Actor(mentor),
            student_user_id=student,
            when=when,
            minutes=minutes,
        )

    async def cancel(self, session: int, mentor: int = 10) -> SessionCancelled:
        return await self.service.write(
            cancel_session, guild_id=self.guild_id, actor=Actor(mentor), session_id=session
        )

    async def sweep(self) -> SweepReport:
        return await self.service.write(sweep)

    async def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    # ---- reading state back -------------------------------------------------------------------

    async def rows(self, statement: Any) -> list[Any]:
        return await self.service.db.read(lambda c: list(c.execute(statement)))

    async def pack(self, pack_id: int) -> Any:
        return (await self.rows(select(packs).where(packs.c.id == pack_id)))[0]

    async def seat(self, seat_id: int) -> Any:
        return (await self.rows(select(seats).where(seats.c.id == seat_id)))[0]

    async def session(self, session_id: int) -> Any:
        return (await self.rows(select(sessions).where(sessions.c.id == session_id)))[0]

    async def notifications(self, kind: str | None = None, status: str | None = None) -> list[Any]:
        query = select(notifications).order_by(notifications.c.id)
        if kind is not None:
            query = query.where(notifications.c.kind == kind)
        if status is not None:
            query = query.where(notifications.c.status == status)
        return await self.rows(query)

    async def kinds(self) -> list[str]:
        return [row.kind for row in await self.notifications()]


@pytest.fixture
def program(service: Service, clock: ManualClock) -> Program:
    return Program(service, clock)


class RecordingSender:
    """A sender that records what it sends and dedupes by nonce, as Discord does.

    ``fail_next`` queues exceptions to raise on the next sends (``core.delivery`` errors).
    """

    def __init__(self, *, fallback: bool = False) -> None:
        self.sent: list[Claimed] = []
        self.nonces: set[str] = set()
        self.fallback_posts: list[Claimed] = []
        self.fail_next: list[Exception] = []
        self.fallback = fallback

    async def send_dm(self, notification: Claimed) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        if notification.nonce in self.nonces:
            return
        self.nonces.add(notification.nonce)
        self.sent.append(notification)

    async def post_fallback(self, notification: Claimed) -> bool:
        if not self.fallback:
            return False
        self.fallback_posts.append(notification)
        return True

    def texts_to(self, user_id: int) -> list[str]:
        return [item.body for item in self.sent if item.recipient_id == user_id]


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


# ---- Discord-level (SimCord) ------------------------------------------------------------------------


def environment(bot: MentorBot, **values: Any) -> None:
    """Give ``bot`` these server settings as the environment's (the default of every server), as if
    it had started with them (R14)."""
    bot.service.defaults = dataclasses.replace(bot.service.defaults, **values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(discord_token="test", database_url=sqlite_url(tmp_path), web_port=0)


@pytest.fixture
async def simcord_bot(settings: Settings, clock: ManualClock) -> AsyncIterator[MentorBot]:
    bot = create_bot(settings, clock=clock)
    yield bot
    # SimCord detaches the bot without closing it: stop its scheduler and database threads here.
    await bot.close()


LETTERHEAD = re.compile(r"^From \*\*.+?\*\*:\n")
NAMED = re.compile(r"\*\*(?:\\.|[^*])+?\*\* \((<@!?\d+>)\)")
ASK_TO_RENEW = re.compile(r"\nTo renew, ask an admin of .+?\.$")


def core_text(content: str) -> str:
    """A message's text as core wrote it, without the letterhead ``bot.kit.delivery`` adds."""
    return ASK_TO_RENEW.sub("", NAMED.sub(r"\1", LETTERHEAD.sub("", content)))


@dataclass
class Server:
    """A simulated Discord server with an admin, a mentor and two students, commands synced."""

    env: Any
    guild: Any
    channel: Any
    admin: Any
    mentor: Any
    student: Any
    other_student: Any
    users: dict[str, Any]

    def dms(self, name: str) -> list[str]:
        """The DMs a user received, oldest first, as core wrote them: without what the sender adds
        around core's text (the server's name above it, display names beside mentions, how to renew
        when the server set no way); ``dms_as_seen`` has those, tests/bot/test_two_servers.py checks them."""
        return [core_text(content) for content in self.dms_as_seen(name)]

    def dms_as_seen(self, name: str) -> list[str]:
        """The DMs a user received, oldest first, exactly as they read them."""
        return [message.content for message in self.users[name].dm_channel.history()]

    async def widen(self, command: str, *targets: Any) -> None:
        """Let ``targets`` (default: everyone) see an admin command, as a server does in its
        Integrations settings; the admin check in core still applies."""
        for registered in await self.env.bot.tree.fetch_commands():
            if registered.name == command:
                self.guild.set_command_permissions(
                    registered, dict.fromkeys(targets or (self.guild.default_role,), True)
                )
                return
        raise AssertionError(f"no command /{command} is registered")

    def add_member(self, name: str, **options: Any) -> Any:
        user = self.env.create_user(name)
        self.users[name] = user
        return self.guild.add_member(user, **options)


@pytest.fixture
async def server(simcord_env: Any) -> Server:
    env = simcord_env
    await env.bot.tree.sync()
    guild = env.create_guild(name="Mentorship")
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    users = {name: env.create_user(name) for name in ("ada", "mia", "alice", "bob")}
    return Server(
        env=env,
        guild=guild,
        channel=channel,
        admin=guild.add_member(users["ada"], roles=[admins]),
        mentor=guild.add_member(users["mia"]),
        student=guild.add_member(users["alice"]),
        other_student=guild.add_member(users["bob"]),
        users=users,
    )
