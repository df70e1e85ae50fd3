"""What a student sees with /mysessions, in the server and in a DM with the bot."""

from __future__ import annotations

from datetime import timedelta

import discord

from tests.bot.helpers import Desk, field, ts, when
from tests.conftest import START, Server


async def test_my_sessions_shows_the_mentor_the_bar_of_sessions_used_and_booked_sessions(
    server: Server,
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    await desk.complete()
    at = START + timedelta(days=2)
    session = await desk.book(at)

    result = await server.student.slash(server.channel, "mysessions")

    assert result.ephemeral
    (mine,) = result.response.embeds
    assert mine.title == "Your mentorship"
    assert [item.name for item in mine.fields] == ["mia"]
    assert field(mine, "mia") == (
        "✅ active\n"
        f"`■□□□` 1 of 4 used · **3 left** (1 booked) · ends {ts(START + timedelta(days=90), 'D')}\n"
        f"📅 {when(at)} · #{session}"
    )
    assert server.env.errors == []


async def test_a_student_in_grace_sees_the_deadline_to_renew(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=1)
    await desk.complete()

    mine = field(await desk.my_sessions(), "mia")

    assert mine.startswith(f"⏳ in grace — renew by {when(START + timedelta(hours=72))}\n`■` all 1 used")


async def test_someone_without_a_seat_is_told_how_one_appears(server: Server) -> None:
    mine = await Desk(server).my_sessions(server.other_student)

    assert mine.fields == []
    assert mine.description == (
        "You hold no seat with a mentor right now. When an admin records a pack you bought, it shows up here."
    )


async def test_in_a_server_my_sessions_lists_only_that_servers_packs(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    other = server.env.create_guild(name="Bootcamp")
    channel = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = other.add_member(server.users["ada"], roles=[admins])
    coach = other.add_member(server.env.create_user("cole"))
    alice_there = other.add_member(server.users["alice"])
    await admin.slash(channel, "mentor add", mentor=coach, seats=1)
    await admin.slash(channel, "pack grant", student=alice_there, mentor=coach, sessions=2)

    here = await desk.my_sessions()
    there = (await alice_there.slash(channel, "mysessions")).response.embeds[0]

    assert [item.name for item in here.fields] == ["mia"]
    assert [item.name for item in there.fields] == ["cole"]
    assert server.env.errors == []


async def test_in_a_dm_my_sessions_lists_packs_in_every_server_with_the_servers_name(
    server: Server,
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    other = server.env.create_guild(name="Bootcamp")
    channel = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = other.add_member(server.users["ada"], roles=[admins])
    coach = other.add_member(server.env.create_user("cole"))
    await admin.slash(channel, "mentor add", mentor=coach, seats=1)
    await admin.slash(channel, "pack grant", student=other.add_member(server.users["alice"]), mentor=coach)

    result = await server.users["alice"].slash("mysessions")

    assert result.ephemeral
    (mine,) = result.response.embeds
    assert [item.name for item in mine.fields] == ["mia · Mentorship", "cole · Bootcamp"]
    assert "0 of 4 used · **4 left**" in field(mine, "cole · Bootcamp")
    assert server.env.errors == []
