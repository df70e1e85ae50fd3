"""R25 through Discord: the language of a member's last interaction in a server is kept for their DMs,
else the server's LANGUAGE; it is written only when it changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import MentorBot
from core.language import language_of
from core.schema import member_locales
from tests.bot.locales import speaking
from tests.conftest import Server


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def stored(server: Server) -> list[tuple[Any, ...]]:
    """The rows, once the interaction listener had its turn (it runs beside the command)."""
    for _ in range(50):
        await asyncio.sleep(0)
    return await the_bot(server).service.db.read(
        lambda c: [
            tuple(row)
            for row in c.execute(
                select(
                    member_locales.c.user_id, member_locales.c.locale, member_locales.c.updated_at
                ).order_by(member_locales.c.user_id)
            )
        ]
    )


async def dm_language(server: Server, member: Any) -> str:
    return await the_bot(server).service.read(language_of, guild_id=server.guild.id, user_id=member.id)


async def test_a_dm_goes_in_the_language_of_the_members_last_interaction_else_the_servers(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.admin.slash(server.channel, "settings set", name="language", value="es")
    speaking(monkeypatch, (server.student, "pt-BR"))

    before = await dm_language(server, server.student)
    await server.student.slash(server.channel, "mysessions")
    after = await dm_language(server, server.student)

    assert before == "es"  # no interaction yet: the server's
    assert after == "pt-BR"
    assert await dm_language(server, server.other_student) == "es"
    assert await dm_language(server, server.admin) == "en"  # SimCord's en-US: English ships


async def test_the_locale_is_written_when_it_changes_only(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = the_bot(server)
    speaking(monkeypatch, (server.student, "es-419"))
    await server.student.slash(server.channel, "mysessions")
    first = await stored(server)

    bot.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await server.student.slash(server.channel, "mysessions")
    again = await stored(server)
    speaking(monkeypatch, (server.student, "pt-BR"))
    await server.student.slash(server.channel, "mysessions")
    changed = await stored(server)

    assert [(user, locale) for user, locale, _ in first] == [(server.student.id, "es-419")]
    assert again == first  # the same locale: nothing written
    assert [(user, locale) for user, locale, _ in changed] == [(server.student.id, "pt-BR")]
    assert changed[0][2] > first[0][2]
    assert await dm_language(server, server.student) == "pt-BR"
