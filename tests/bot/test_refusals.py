"""Every refusal: private, one sentence saying what is wrong and what to do, and nothing changed.

"Nothing changed" is checked on the whole database (``snapshot``) and on the DMs people got.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import discord
import pytest
from simcord import OptionError, SetupError

from bot.app import MentorBot
from core.domain import Actor
from core.errors import InvalidInput
from core.packs import grant_pack
from core.seats import register_mentor
from core.sessions import schedule_session
from tests.bot.helpers import Desk, field, refused, snapshot, ts
from tests.conftest import START, Server


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


@asynccontextmanager
async def nothing_changes(server: Server) -> AsyncIterator[None]:
    """The block changes no row in the database and sends no DM to anyone."""
    bot = the_bot(server)
    rows = await snapshot(bot)
    dms = {name: server.dms(name) for name in server.users}
    yield
    assert await snapshot(bot) == rows
    assert {name: server.dms(name) for name in server.users} == dms


async def ready(server: Server, **grant: int) -> Desk:
    """Mia mentors with two seats; Alice holds a pack with her."""
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant(**grant)
    return desk


# ---- who may ------------------------------------------------------------------------------------


async def test_a_student_cannot_complete_their_own_session(server: Server) -> None:
    desk = await ready(server)

    async with nothing_changes(server):
        text = await refused(server, server.student.slash(server.channel, "complete", student=server.student))

    assert text == f"Only {server.student.mention}'s mentor or an admin can complete their sessions."
    assert "0 of 4 used · **4 left**" in field(await desk.my_sessions(), "mia")


async def test_another_mentor_cannot_complete_someone_elses_student(server: Server) -> None:
    desk = await ready(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=1, who=max_)
    session = await desk.book(START + timedelta(minutes=30))

    async with nothing_changes(server):
        unnamed = await refused(server, max_.slash(server.channel, "complete", student=server.student))
        named = await refused(
            server, max_.slash(server.channel, "complete", student=server.student, session=session)
        )

    assert unnamed == f"Only {server.student.mention}'s mentor or an admin can complete their sessions."
    assert named == f"Only {server.mentor.mention} or an admin can complete session #{session}."


async def test_another_mentor_cannot_cancel_or_book_for_someone_elses_student(server: Server) -> None:
    desk = await ready(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=1, who=max_)
    session = await desk.book(START + timedelta(days=1))

    async with nothing_changes(server):
        cancel = await refused(server, max_.slash(server.channel, "cancel", session=session))
        book = await refused(
            server, max_.slash(server.channel, "schedule", student=server.student, when="2026-02-01T10:00")
        )

    assert cancel == f"Only {server.mentor.mention} or an admin can cancel session #{session}."
    assert book.startswith(f"Only {server.student.mention}'s mentor or an admin can")


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        ("mentor add", {"seats": 3}, "can register mentors"),
        ("pack grant", {"student": "alice"}, "can grant packs"),
        ("seats", {}, "can see every mentor's seats"),
    ],
)
async def test_only_an_admin_may_run_the_admin_commands(
    server: Server, command: str, options: dict[str, Any], says: str
) -> None:
    await Desk(server).mentor(seats=2)
    people = {"alice": server.student}
    filled = {key: people.get(value, value) for key, value in options.items()}
    if command != "seats":
        filled["mentor"] = server.mentor
    # Admin commands are shown to Manage Server by default; a server may widen them (here to mia),
    # and the admin check still refuses her.
    registered = {found.name: found for found in await server.env.bot.tree.fetch_commands()}
    server.guild.set_command_permissions(registered[command.split()[0]], {server.mentor: True})

    # A server may show admin commands to everyone (Integrations settings): core still refuses.
    await server.widen(command.split()[0])
    async with nothing_changes(server):
        text = await refused(server, server.mentor.slash(server.channel, command, **filled))

    assert text.startswith("Only an admin (Manage Server, or the admin role)")
    assert says in text


async def test_someone_who_is_not_a_mentor_has_no_roster(server: Server) -> None:
    text = await refused(server, server.student.slash(server.channel, "roster"))

    assert text == "You're not a mentor here; an admin can register you with /mentor add."


async def test_the_server_commands_are_not_offered_in_a_dm(server: Server) -> None:
    alice = server.users["alice"]

    assert alice.available_commands() == ("mysessions",)
    with pytest.raises(SetupError, match="not visible"):
        await alice.slash("roster")


# ---- granting -----------------------------------------------------------------------------------


async def test_a_grant_to_a_full_mentor_is_refused_and_no_seat_is_taken(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant()

    async with nothing_changes(server):
        text = await refused(
            server,
            server.admin.slash(
                server.channel, "pack grant", student=server.other_student, mentor=server.mentor
            ),
        )

    assert text == (
        f"{server.mentor.mention} has no free seat (1 of 1 seat held); raise their seats with "
        "/mentor add or wait for a seat to be released."
    )
    assert (await desk.my_sessions(server.other_student)).fields == []


async def test_a_grant_with_someone_who_is_not_a_mentor_is_refused(server: Server) -> None:
    async with nothing_changes(server):
        text = await refused(
            server,
            server.admin.slash(server.channel, "pack grant", student=server.student, mentor=server.mentor),
        )

    assert text == (f"{server.mentor.mention} is not a mentor here; register them first with /mentor add.")


async def test_a_mentor_cannot_be_their_own_student(server: Server) -> None:
    await Desk(server).mentor()

    async with nothing_changes(server):
        text = await refused(
            server,
            server.admin.slash(server.channel, "pack grant", student=server.mentor, mentor=server.mentor),
        )

    assert "can't hold a seat with themselves" in text


@pytest.mark.parametrize("role", ["student", "mentor"])
async def test_a_bot_is_neither_student_nor_mentor(server: Server, role: str) -> None:
    await Desk(server).mentor()
    robot = server.guild.add_member(server.env.create_user("robot", bot=True))
    people = {"student": server.student, "mentor": server.mentor, role: robot}

    async with nothing_changes(server):
        text = await refused(server, server.admin.slash(server.channel, "pack grant", **people))

    assert text == f"{robot.mention} is a bot; pick a person as the {role}."


# ---- sessions -----------------------------------------------------------------------------------


async def test_an_unknown_session_is_refused(server: Server) -> None:
    await ready(server)

    async with nothing_changes(server):
        cancel = await refused(server, server.mentor.slash(server.channel, "cancel", session=99))
        complete = await refused(
            server, server.mentor.slash(server.channel, "complete", student=server.student, session=99)
        )

    assert cancel == "There is no session #99 here; pick one from the list."
    assert complete == cancel


async def test_a_session_from_another_server_is_unknown_even_to_its_admin(server: Server) -> None:
    desk = await ready(server)
    session = await desk.book(START + timedelta(days=1))
    other = server.env.create_guild(name="Elsewhere")
    channel = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    ada = other.add_member(server.users["ada"], roles=[admins])
    alice = other.add_member(server.users["alice"])

    async with nothing_changes(server):
        cancel = await refused(server, ada.slash(channel, "cancel", session=session))
        complete = await refused(server, ada.slash(channel, "complete", student=alice, session=session))

    assert cancel == f"There is no session #{session} here; pick one from the list."
    assert complete == cancel
    assert await ada.autocomplete(channel, "cancel", "session", "") == []


async def test_a_session_of_another_student_is_refused(server: Server) -> None:
    desk = await ready(server)
    await desk.grant(server.other_student)
    bobs = await desk.book(START + timedelta(days=1), student=server.other_student)

    async with nothing_changes(server):
        text = await refused(
            server, server.mentor.slash(server.channel, "complete", student=server.student, session=bobs)
        )

    assert text.startswith(f"Session #{bobs} is {server.other_student.mention}'s")


async def test_a_cancelled_session_cannot_be_completed_nor_cancelled_again(server: Server) -> None:
    desk = await ready(server)
    session = await desk.book(START + timedelta(days=1))
    await server.mentor.slash(server.channel, "cancel", session=session)

    async with nothing_changes(server):
        complete = await refused(
            server,
            server.mentor.slash(server.channel, "complete", student=server.student, session=session),
        )
        cancel = await refused(server, server.mentor.slash(server.channel, "cancel", session=session))

    assert complete.startswith(f"Session #{session} was cancelled, so it can't be completed")
    assert cancel == f"Session #{session} is already cancelled; nothing to do."


async def test_a_completed_session_cannot_be_cancelled(server: Server) -> None:
    desk = await ready(server)
    session = await desk.book(START + timedelta(minutes=30))
    await desk.complete(session=session)

    async with nothing_changes(server):
        text = await refused(server, server.mentor.slash(server.channel, "cancel", session=session))

    assert text.startswith(f"Session #{session} was completed")
    assert text.endswith("so it can't be cancelled.")


async def test_a_used_up_pack_has_nothing_left_to_complete(server: Server) -> None:
    desk = await ready(server, sessions=1)
    await desk.complete()

    async with nothing_changes(server):
        text = await refused(server, server.mentor.slash(server.channel, "complete", student=server.student))

    assert text.startswith(f"{server.student.mention} has no session left to complete")
    assert "an admin can grant a new pack with /pack grant" in text


async def test_an_admin_must_name_the_session_of_a_student_with_several_mentors(server: Server) -> None:
    desk = await ready(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=1, who=max_)
    await desk.grant(mentor=max_)

    async with nothing_changes(server):
        text = await refused(server, server.admin.slash(server.channel, "complete", student=server.student))

    assert text.startswith(f"{server.student.mention} has seats with several mentors;")
    assert "name the session" in text


# ---- /schedule's `when` ---------------------------------------------------------------------------


async def test_a_time_that_cannot_be_read_is_refused(server: Server) -> None:
    await ready(server)

    async with nothing_changes(server):
        text = await refused(
            server,
            server.mentor.slash(server.channel, "schedule", student=server.student, when="whenever suits"),
        )

    assert text == (
        "I can't read “whenever suits” as a time; try 2026-12-01T18:00, tomorrow 18:00, tue 6pm or "
        "in 2 hours (read in UTC)."
    )


async def test_a_time_in_the_past_is_refused(server: Server) -> None:
    await ready(server)

    async with nothing_changes(server):
        text = await refused(
            server,
            server.mentor.slash(server.channel, "schedule", student=server.student, when="2026-01-05T11:00"),
        )

    assert text == f"{ts(START - timedelta(hours=1))} is in the past; pick a time after {ts(START)}."


async def test_booking_without_a_pack_to_book_on_is_refused(server: Server) -> None:
    desk = await ready(server, sessions=1)
    await desk.book(START + timedelta(days=1))  # the pack's one session is booked

    async with nothing_changes(server):
        full = await refused(
            server,
            server.mentor.slash(server.channel, "schedule", student=server.student, when="2026-01-08T10:00"),
        )
        seatless = await refused(
            server,
            server.mentor.slash(
                server.channel, "schedule", student=server.other_student, when="2026-01-08T10:00"
            ),
        )

    assert full.startswith(
        f"{server.student.mention} has no unbooked session left with {server.mentor.mention}"
    )
    assert seatless.startswith(f"{server.other_student.mention} has no seat with you")


# ---- option ranges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "options", "bad"),
    [
        ("mentor add", {"seats": 101}, "seats"),
        ("mentor add", {"seats": -1}, "seats"),
        ("pack grant", {"student": "alice", "sessions": 0}, "sessions"),
        ("pack grant", {"student": "alice", "sessions": 53}, "sessions"),
        ("pack grant", {"student": "alice", "valid_days": 0}, "valid_days"),
        ("pack grant", {"student": "alice", "valid_days": 731}, "valid_days"),
        ("schedule", {"student": "alice", "when": "2026-02-01T10:00", "minutes": 10}, "minutes"),
        ("schedule", {"student": "alice", "when": "2026-02-01T10:00", "minutes": 241}, "minutes"),
    ],
)
async def test_discord_refuses_an_option_out_of_its_range(
    server: Server, command: str, options: dict[str, Any], bad: str
) -> None:
    await ready(server)
    filled = {key: server.student if value == "alice" else value for key, value in options.items()}
    if command != "schedule":
        filled["mentor"] = server.mentor
    who = server.mentor if command == "schedule" else server.admin

    async with nothing_changes(server):
        with pytest.raises(OptionError) as raised:
            await who.slash(server.channel, command, **filled)

    assert raised.value.option == bad


@pytest.mark.parametrize(
    ("use_case", "options", "says"),
    [
        (
            register_mentor,
            {"mentor_user_id": 7, "mentor_name": "m", "seats_capacity": 101},
            "Seats must be between",
        ),
        (
            register_mentor,
            {"mentor_user_id": 7, "mentor_name": "m", "seats_capacity": -1},
            "Seats must be between",
        ),
        (
            grant_pack,
            {"student_user_id": 8, "student_name": "s", "mentor_user_id": 7, "sessions_count": 53},
            "A pack holds 1 to 52 sessions",
        ),
        (
            grant_pack,
            {"student_user_id": 8, "student_name": "s", "mentor_user_id": 7, "valid_days": 731},
            "A pack is valid for 1 to 730 days",
        ),
    ],
)
async def test_core_refuses_the_same_out_of_range_values_when_called_directly(
    server: Server, use_case: Callable[..., Any], options: dict[str, Any], says: str
) -> None:
    bot = the_bot(server)
    admin = Actor(server.admin.id, is_admin=True)

    async with nothing_changes(server):
        with pytest.raises(InvalidInput, match=says):
            await bot.service.write(use_case, guild_id=server.guild.id, actor=admin, **options)


async def test_core_refuses_a_session_length_out_of_range(server: Server) -> None:
    await ready(server)
    bot = the_bot(server)
    call: Callable[[int], Awaitable[Any]] = lambda minutes: bot.service.write(  # noqa: E731
        schedule_session,
        guild_id=server.guild.id,
        actor=Actor(server.mentor.id),
        student_user_id=server.student.id,
        when="2026-02-01T10:00",
        minutes=minutes,
    )

    async with nothing_changes(server):
        for minutes in (0, 10_000):
            with pytest.raises(InvalidInput, match="A session lasts"):
                await call(minutes)
