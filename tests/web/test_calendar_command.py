"""``/calendar`` (R22) through Discord, and the address it gives read over real HTTP from the running
bot: private, one address per person; ``reset`` makes a new one and the old one answers 404 at once;
without ``PUBLIC_URL`` it says how to set it and makes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
from icalendar import Calendar

from bot.app import MentorBot
from tests.bot.helpers import Desk, one_sentence, snapshot
from tests.conftest import START, Server

PUBLIC = "https://mentorbot.example.org"
ADDRESS = re.compile(rf"<({re.escape(PUBLIC)}/calendar/[A-Za-z0-9_-]{{43}}\.ics)>")


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


def public(server: Server) -> MentorBot:
    bot = the_bot(server)
    bot.settings = bot.settings.model_copy(update={"public_url": PUBLIC})
    return bot


async def address(server: Server, who: object, **options: object) -> str:
    result = await who.slash(server.channel, "calendar", **options)  # type: ignore[attr-defined]
    assert result.ephemeral
    found = ADDRESS.search(result.response.content)
    assert found is not None, result.response.content
    return found.group(1)


async def fetch(http: aiohttp.ClientSession, bot: MentorBot, url: str) -> tuple[int, bytes]:
    assert bot.web_url is not None
    async with http.get(url.replace(PUBLIC, bot.web_url)) as response:
        return response.status, await response.read()


async def test_calendar_gives_a_private_address_that_serves_the_callers_sessions(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = public(server)
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    await desk.book(START + timedelta(days=2))

    url = await address(server, server.student)
    status, body = await fetch(http, bot, url)
    assert status == 200
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert "Mentorship" in str(event["SUMMARY"])

    mentor_url = await address(server, server.mentor)
    assert mentor_url != url
    status, body = await fetch(http, bot, mentor_url)
    assert status == 200
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 1


async def test_asking_again_does_not_show_or_change_the_address(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = public(server)
    url = await address(server, server.student)
    again = await server.student.slash(server.channel, "calendar")
    assert again.ephemeral
    assert ADDRESS.search(again.response.content) is None  # only its fingerprint is kept
    assert "/calendar reset:True" in again.response.content
    assert (await fetch(http, bot, url))[0] == 200


async def test_reset_makes_a_new_address_and_the_old_one_is_a_404_at_once(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = public(server)
    old = await address(server, server.student)
    assert (await fetch(http, bot, old))[0] == 200

    new = await address(server, server.student, reset=True)
    assert new != old
    assert await fetch(http, bot, old) == (404, b"")
    assert (await fetch(http, bot, new))[0] == 200


async def test_a_token_wrong_by_one_character_is_a_404(server: Server, http: aiohttp.ClientSession) -> None:
    bot = public(server)
    url = await address(server, server.student)
    last = url[-5]
    wrong = url[:-5] + ("A" if last != "A" else "B") + url[-4:]
    assert await fetch(http, bot, wrong) == (404, b"")


async def test_without_public_url_it_says_how_to_set_it_and_makes_nothing(server: Server) -> None:
    bot = the_bot(server)
    assert bot.settings.public_url is None
    before = await snapshot(bot)
    result = await server.student.slash(server.channel, "calendar")
    assert result.ephemeral
    text = result.response.content
    assert "PUBLIC_URL" in text
    assert one_sentence(text), text
    assert await snapshot(bot) == before
