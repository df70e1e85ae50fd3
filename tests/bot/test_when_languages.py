"""R15, R25 through Discord: `when` is read in the caller's Discord language when it ships, else in the
server's LANGUAGE, for the autocomplete and for the booking itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import MentorBot
from core.schema import sessions
from tests.bot.helpers import Desk, refused
from tests.bot.locales import speaking
from tests.conftest import Server

# START is Mon 5 Jan 2026 12:00 UTC; the server's zone stays UTC.
TOMORROW_18 = datetime(2026, 1, 6, 18, tzinfo=UTC)
FRIDAY_10 = datetime(2026, 1, 9, 10, tzinfo=UTC)


async def ready(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(valid_days=365)


async def starts(server: Server) -> list[datetime]:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return await bot.service.db.read(
        lambda c: list(c.execute(select(sessions.c.starts_at).order_by(sessions.c.id)).scalars())
    )


async def book(server: Server, text: str) -> Any:
    result = await server.mentor.slash(server.channel, "schedule", student=server.student, when=text)
    assert server.env.errors == []
    return result


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("es-ES", "mañana 18:00", TOMORROW_18),
        ("es-419", "el viernes a las 10", FRIDAY_10),
        ("pt-BR", "amanhã às 18h", TOMORROW_18),
        ("pt-BR", "sexta às 10h", FRIDAY_10),
    ],
)
async def test_a_mentor_books_with_a_phrase_of_their_clients_language(
    server: Server, monkeypatch: pytest.MonkeyPatch, locale: str, text: str, expected: datetime
) -> None:
    await ready(server)
    speaking(monkeypatch, (server.mentor, locale))

    offered = await server.mentor.autocomplete(
        server.channel, "schedule", "when", text, student=server.student
    )
    await book(server, text)

    assert [choice["value"] for choice in offered] == [expected.isoformat()]
    assert await starts(server) == [expected]


async def test_the_autocomplete_label_is_in_the_callers_language(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready(server)
    speaking(monkeypatch, (server.mentor, "pt-BR"))

    offered = await server.mentor.autocomplete(
        server.channel, "schedule", "when", "amanhã às 18h", student=server.student
    )

    assert offered == [{"name": "ter. 6 jan. 2026 18:00 UTC (em 1 dia)", "value": TOMORROW_18.isoformat()}]


async def test_a_client_language_not_shipped_reads_the_servers_language(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready(server)
    await server.admin.slash(server.channel, "settings set", name="language", value="es")
    speaking(monkeypatch, (server.mentor, "fr"))

    await book(server, "mañana 18:00")

    assert await starts(server) == [TOMORROW_18]


async def test_an_english_client_reads_english_even_in_a_spanish_server(server: Server) -> None:
    # SimCord's own en-US: English ships, so it is the caller's language, not the server's.
    await ready(server)
    await server.admin.slash(server.channel, "settings set", name="language", value="es")

    answer = await refused(
        server, server.mentor.slash(server.channel, "schedule", student=server.student, when="mañana 18:00")
    )

    assert answer.startswith("I can't read “mañana 18:00” as a time")
    assert await starts(server) == []
