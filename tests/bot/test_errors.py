"""When Discord or the database fails, the user reads what happened and the program is as it was.

SimCord's fake transport replaces discord.py's request loop, retries included: one injected 500 is one
failed call, as discord.py raises it once its own retries of a 5xx are spent.
"""

from __future__ import annotations

import logging
import re

import discord
import pytest
import sqlalchemy.exc

from bot.app import MentorBot
from tests.bot.helpers import ERROR_REPLY, SAVED_REPLY, Desk, failed, field, snapshot, table_gone
from tests.conftest import Server

DEFER = "/interactions/*/*/callback"  # the command's first answer: "thinking…"
RESULT = "/webhooks/*/*/messages/@original"  # the command's result, once its change is saved


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def test_a_discord_500_before_the_change_ends_in_the_error_reply_and_changes_nothing(
    server: Server,
) -> None:
    desk = Desk(server)
    await desk.mentor()
    rows = await snapshot(the_bot(server))
    server.env.inject_error("POST", DEFER, status=500, times=1)

    text, error = await failed(
        server,
        server.admin.slash(server.channel, "pack grant", student=server.student, mentor=server.mentor),
    )

    assert ERROR_REPLY.match(text), text
    assert isinstance(error, discord.HTTPException)
    assert error.status == 500
    assert await snapshot(the_bot(server)) == rows
    assert (await desk.my_sessions()).fields == []
    assert "A new seat was reserved" in await desk.grant()  # the bot keeps running


async def test_a_discord_500_on_the_result_says_the_change_was_saved(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    server.env.inject_error("PATCH", RESULT, status=500, times=1)

    text, error = await failed(
        server, server.mentor.slash(server.channel, "complete", student=server.student)
    )

    assert SAVED_REPLY.match(text), text
    assert "nothing was changed" not in text
    assert isinstance(error, discord.HTTPException)
    assert "1 of 4 used · **3 left**" in field(await desk.my_sessions(), "mia")


async def test_a_database_failure_ends_in_the_error_reply_and_changes_nothing(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    bot = the_bot(server)
    rows = await snapshot(bot)

    with table_gone(bot, "packs"):
        complete, complete_error = await failed(
            server, server.mentor.slash(server.channel, "complete", student=server.student)
        )
        grant, _ = await failed(
            server,
            server.admin.slash(
                server.channel, "pack grant", student=server.other_student, mentor=server.mentor
            ),
        )

    assert ERROR_REPLY.match(complete), complete
    assert ERROR_REPLY.match(grant), grant
    assert isinstance(complete_error, sqlalchemy.exc.OperationalError)
    assert await snapshot(bot) == rows
    assert server.dms("alice") == []
    assert await desk.complete() == f"Session 1 of 4 completed for {server.student.mention} — 3 left."


async def test_each_error_reply_carries_its_own_id_and_the_log_has_it_with_context(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    await Desk(server).mentor()
    bot = the_bot(server)

    with caplog.at_level(logging.ERROR, logger="bot.errors"), table_gone(bot, "seats"):
        first, _ = await failed(server, server.mentor.slash(server.channel, "roster"))
        second, _ = await failed(server, server.mentor.slash(server.channel, "roster"))

    ids = [match.group("id") for text in (first, second) if (match := ERROR_REPLY.match(text))]
    assert len(set(ids)) == 2, (first, second)
    logged = [record.getMessage() for record in caplog.records if record.name == "bot.errors"]
    assert logged == [
        f"error {error_id} in /roster by user {server.mentor.id} in server {server.guild.id} with options {{}}"
        for error_id in ids
    ]


async def test_when_a_students_dms_are_closed_their_mentor_is_told(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    server.env.inject_error(
        "POST", "/channels/*/messages", status=403, code=50007, message="Cannot send messages to this user"
    )

    reply = await server.mentor.slash(
        server.channel, "schedule", student=server.student, when="2026-01-08T10:00"
    )

    assert reply.response.content.startswith("Booked session #1")
    assert server.dms("alice") == []
    (note,) = server.dms("mia")
    assert re.match(
        rf"I could not DM {re.escape(server.student.mention)} \(their DMs are closed\), "
        r"and there is no fallback channel\. The message was:\n> ",
        note,
    ), note
    assert "booked a 60-minute session with you" in note
    assert server.env.errors == []
