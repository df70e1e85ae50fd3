"""What an admin sees running /mentor add, /pack grant and /seats, and what the others see after."""

from __future__ import annotations

from datetime import timedelta

import discord

from tests.bot.helpers import Desk, embed_text, field, refused, ts, when
from tests.conftest import START, Server


async def test_an_admin_registers_a_mentor_and_the_seats_overview_shows_them(server: Server) -> None:
    result = await server.admin.slash(server.channel, "mentor add", mentor=server.mentor, seats=2)

    assert result.ephemeral
    assert result.response.content == f"{server.mentor.mention} is now a mentor with 2 seats."
    seats = await Desk(server).seats()
    assert field(seats, "mia") == "`□□` 0 of 2 seats held"
    assert seats.description == "0 of 2 seats held · 0 in grace"
    assert server.env.errors == []


async def test_lowering_a_mentors_seats_below_those_held_evicts_no_one(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant(server.student)
    await desk.grant(server.other_student)

    result = await server.admin.slash(server.channel, "mentor add", mentor=server.mentor, seats=1)

    assert result.response.content == (
        f"{server.mentor.mention} now has 1 seat (was 2); 2 held. "
        "No one is evicted; no new seat is given until they are below capacity."
    )
    roster = await desk.roster()
    assert roster.description == "2 of 1 seat held"
    assert [item.name for item in roster.fields] == ["alice", "bob"]
    assert server.env.errors == []


async def test_an_admin_grants_a_pack_and_the_student_sees_it(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()

    result = await server.admin.slash(
        server.channel, "pack grant", student=server.student, mentor=server.mentor
    )

    assert result.ephemeral
    assert result.response.content == (
        f"Granted {server.student.mention} a pack of 4 sessions with {server.mentor.mention}, "
        f"valid until {ts(START + timedelta(days=90), 'D')}. A new seat was reserved for them."
    )
    mine = await desk.my_sessions()
    assert field(mine, "mia") == (
        "✅ active\n"
        f"`□□□□` 0 of 4 used · **4 left** · ends {ts(START + timedelta(days=90), 'D')}\n"
        "No session booked yet."
    )
    assert server.env.errors == []


async def test_a_grant_takes_the_sessions_and_days_given(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()

    reply = await desk.grant(sessions=6, valid_days=30)

    assert "a pack of 6 sessions" in reply
    assert f"valid until {ts(START + timedelta(days=30), 'D')}" in reply
    assert "0 of 6 used · **6 left**" in field(await desk.my_sessions(), "mia")


async def test_a_second_pack_joins_the_students_seat_and_takes_no_other_seat(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant()

    reply = await desk.grant(sessions=2)

    assert reply.endswith("It joins their seat: 6 sessions left in all.")
    assert (await desk.seats()).description == "1 of 1 seat held · 0 in grace"
    packs = field(await desk.my_sessions(), "mia")
    assert "0 of 4 used · **4 left**" in packs
    assert "0 of 2 used · **2 left**" in packs


async def test_the_seats_overview_shows_every_mentor_and_every_student_under_them(server: Server) -> None:
    desk = Desk(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=2)
    await desk.mentor(seats=3, who=max_)
    await desk.grant(server.student, sessions=1)
    await desk.grant(server.other_student, mentor=max_)
    await desk.complete(server.student)  # alice's only session: her seat enters grace

    seats = await desk.seats()

    assert seats.description == "2 of 5 seats held · 1 in grace"
    assert seats.colour == discord.Colour.gold()
    assert field(seats, "mia") == (
        f"`■□` 1 of 2 seats held\n⏳ alice — in grace until {when(START + timedelta(hours=72))} · 0 sessions left"
    )
    # Every student is listed under their mentor, with the end date of their pack.
    assert (
        field(seats, "max")
        == f"`■□□` 1 of 3 seats held\n✅ bob — 4 sessions left · ends {ts(START + timedelta(days=90), 'D')}"
    )
    assert server.env.errors == []


async def test_a_member_with_the_admin_role_is_an_admin(server: Server) -> None:
    coordinators = server.guild.create_role("Coordinators")
    coordinator = server.add_member("cora", roles=[coordinators])
    # The server's admin role (R14), and the server lets that role see the admin commands.
    await server.admin.slash(server.channel, "settings set", name="admin_role_id", value=coordinators.mention)
    await server.widen("mentor", coordinators)
    await server.widen("seats", coordinators)

    result = await coordinator.slash(server.channel, "mentor add", mentor=server.mentor, seats=1)

    assert result.response.content == f"{server.mentor.mention} is now a mentor with 1 seat."
    assert "mia" in embed_text(await Desk(server).view(coordinator, "seats"))


async def test_without_the_admin_role_the_same_member_is_refused(server: Server) -> None:
    server.guild.create_role("Coordinators")
    coordinator = server.add_member("cora")
    await server.widen("mentor")

    text = await refused(
        server, coordinator.slash(server.channel, "mentor add", mentor=server.mentor, seats=1)
    )

    assert text.startswith("Only an admin (Manage Server, or the admin role) can register mentors")


async def test_a_mentor_with_no_seats_shows_no_empty_bar(server: Server) -> None:
    await Desk(server).mentor(seats=0)

    seats = await Desk(server).seats()

    assert field(seats, "mia") == "0 of 0 seats held"
