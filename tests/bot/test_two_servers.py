"""R0 and R14 through Discord: two servers with the same people and different settings.

"Mentorship" keeps a seat 24 hours after the last session, has the admin role Coordinators, a renew
link and its own fallback channel; "Second program" runs on the defaults (72 hours, no admin role, no
renew link) with its own fallback channel. Mia mentors Alice in both, called "Mia B." in the second.
Every rule, text and fallback follows the server it belongs to, and every DM says where it is from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.app import MentorBot
from core.clock import ManualClock
from core.schema import seats
from tests.bot.helpers import refused
from tests.conftest import START, Server

RENEW_URL = "https://example.com/renew"


@dataclass
class Programs:
    first: Server
    second: Server
    first_fallback: Any
    second_fallback: Any
    coordinators: Any
    cora_first: Any
    cora_second: Any


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def ok(place: Server, member: Any, command: str, **options: Any) -> str:
    """``member`` runs ``command`` in ``place``'s channel; it must work."""
    result = await member.slash(place.channel, command, **options)
    assert result.ephemeral
    assert place.env.errors == []
    return str(result.response.content)


@pytest.fixture
async def programs(server: Server) -> Programs:
    env = server.env
    guild = env.create_guild(name="Second program")
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    users = server.users
    second = Server(
        env=env,
        guild=guild,
        channel=channel,
        admin=guild.add_member(users["ada"], roles=[admins]),
        mentor=guild.add_member(users["mia"], nick="Mia B."),
        student=guild.add_member(users["alice"]),
        other_student=guild.add_member(users["bob"]),
        users=users,
    )
    first_fallback = server.guild.create_text_channel("mentorbot")
    second_fallback = guild.create_text_channel("mentorbot")
    coordinators = server.guild.create_role("Coordinators")
    cora = env.create_user("cora")
    users["cora"] = cora
    cora_first = server.guild.add_member(cora, roles=[coordinators])
    cora_second = guild.add_member(cora)
    for name, value in (
        ("grace_period_hours", "24"),
        ("fallback_channel_id", first_fallback.mention),
        ("admin_role_id", coordinators.mention),
        ("renew_url", RENEW_URL),
    ):
        await ok(server, server.admin, "settings set", name=name, value=value)
    await ok(
        second,
        second.admin,
        "settings set",
        name="fallback_channel_id",
        value=str(second_fallback.id),
    )
    for place in (server, second):
        await ok(place, place.admin, "mentor add", mentor=place.mentor, seats=1)
        await ok(place, place.admin, "pack grant", student=place.student, mentor=place.mentor, sessions=2)
    return Programs(server, second, first_fallback, second_fallback, coordinators, cora_first, cora_second)


async def grace_ends(server: Server) -> dict[int, Any]:
    def read(connection: Any) -> dict[int, Any]:
        rows = connection.execute(select(seats.c.guild_id, seats.c.grace_ends_at, seats.c.status))
        return {row.guild_id: (row.status, row.grace_ends_at) for row in rows}

    return await the_bot(server).service.db.read(read)


def buttons(message: discord.Message) -> list[str | None]:
    return [child.url for row in message.components for child in row.children]  # type: ignore[union-attr]


async def test_each_servers_grace_text_and_release_follow_its_own_settings(
    programs: Programs, clock: ManualClock
) -> None:
    first, second = programs.first, programs.second
    mia = first.mentor.mention
    for place in (first, second):
        await ok(place, place.mentor, "complete", student=place.student)
        await ok(place, place.mentor, "complete", student=place.student)

    assert await grace_ends(first) == {
        first.guild.id: ("grace", START + timedelta(hours=24)),
        second.guild.id: ("grace", START + timedelta(hours=72)),
    }
    one_first, done_first, one_second, done_second = first.dms_as_seen("alice")
    assert one_first.startswith("From **Mentorship**:\nYou have 1 session remaining. Renew now to continue.")
    assert f"with **mia** ({mia}) is done." in one_first
    assert done_first.startswith(
        "From **Mentorship**:\nYour pack is complete. Renew within 24 hours to keep your seat."
    )
    assert one_second.startswith("From **Second program**:\nYou have 1 session remaining.")
    assert f"with **Mia B.** ({mia}) is done." in one_second
    assert done_second.startswith(
        "From **Second program**:\nYour pack is complete. Renew within 72 hours to keep your seat."
    )
    # The way to renew is each server's own: a link in one, an admin of that server in the other.
    messages = first.users["alice"].dm_channel.history()
    assert [buttons(message) for message in messages] == [[RENEW_URL], [RENEW_URL], [], []]
    assert "ask an admin" not in one_first
    assert one_second.endswith("\nTo renew, ask an admin of Second program.")
    # The mentor is told in each server's terms too.
    (grace_first, grace_second) = first.dms_as_seen("mia")
    assert grace_first.startswith("From **Mentorship**:\n")
    assert grace_second.startswith("From **Second program**:\n")

    clock.advance(timedelta(hours=25))
    await the_bot(first).run_sweep()

    after = await grace_ends(first)
    assert (after[first.guild.id][0], after[second.guild.id]) == (
        "released",
        ("grace", START + timedelta(hours=72)),
    )
    released = first.dms_as_seen("alice")[-1]
    assert released.startswith(f"From **Mentorship**:\nYour seat with **mia** ({mia}) has been released.")


async def test_a_student_who_cannot_be_dmed_is_mentioned_in_each_servers_own_fallback_channel(
    programs: Programs,
) -> None:
    first, second = programs.first, programs.second
    alice = first.users["alice"]
    first.env.inject_error(
        "POST",
        f"/channels/{alice.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Closed",
        times=None,
    )

    for place in (first, second):
        await ok(place, place.mentor, "complete", student=place.student)

    (in_first,) = programs.first_fallback.history()
    (in_second,) = programs.second_fallback.history()
    mia = first.mentor.mention
    assert in_first.content.startswith(f"{first.student.mention} I couldn't DM you, so here it is:\n")
    assert f"with **mia** ({mia}) is done." in in_first.content
    assert f"with **Mia B.** ({mia}) is done." in in_second.content
    assert first.channel.history() == second.channel.history() == []
    assert first.dms("mia") == []  # the students got it: no mentor is told of a failure


async def test_the_admin_role_of_one_server_makes_no_admin_in_the_other(programs: Programs) -> None:
    first, second = programs.first, programs.second
    await first.widen("mentor", programs.coordinators)
    await second.widen("mentor")

    made = await ok(first, programs.cora_first, "mentor add", mentor=first.other_student, seats=1)
    there = await refused(
        second, programs.cora_second.slash(second.channel, "mentor add", mentor=second.other_student, seats=1)
    )

    assert made == f"{first.other_student.mention} is now a mentor with 1 seat."
    assert there.startswith("Only an admin (Manage Server, or the admin role) can register mentors")


async def test_settings_refuse_a_channel_or_role_of_the_other_server(programs: Programs) -> None:
    second = programs.second

    channel = await refused(
        second,
        second.admin.slash(
            second.channel, "settings set", name="fallback_channel_id", value=programs.first_fallback.mention
        ),
    )
    role = await refused(
        second,
        second.admin.slash(
            second.channel, "settings set", name="admin_role_id", value=str(programs.coordinators.id)
        ),
    )

    assert channel.startswith(f"Channel {programs.first_fallback.id} is not a channel of this server")
    assert role.startswith(f"Role {programs.coordinators.id} is not a role of this server")
    shown = await second.admin.slash(second.channel, "settings show")
    (embed,) = shown.response.embeds
    values = {item.name: item.value for item in embed.fields}
    assert values["fallback_channel_id"].startswith(f"<#{programs.second_fallback.id}> — this server")
    assert values["admin_role_id"].startswith("not set — default")
    assert values["grace_period_hours"].startswith("`72` — default")
