"""``GET /calendar/<token>.ics`` over real HTTP: the owner's calendar for a live token, and a 404 that
says nothing for anything else — a token wrong by one character, one reset a moment ago, a guess."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from icalendar import Calendar

from bot.web import WebDoor, calendar_path, calendar_routes
from core.calendar import calendar_address, reset_calendar
from tests.conftest import GUILD, START, Program
from tests.core.test_calendar_feed import one_character_off
from tests.web.conftest import DoorFactory

SERVERS = {GUILD: "Rust Club"}


async def feed_door(make_door: DoorFactory, program: Program) -> WebDoor:
    return await make_door(routes=calendar_routes(program.service, SERVERS))


async def fetch(http: aiohttp.ClientSession, door: WebDoor, token: str) -> tuple[int, str, bytes]:
    async with http.get(f"{door.url}{calendar_path(token)}") as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


async def test_a_live_token_gets_its_owners_calendar(
    make_door: DoorFactory, http: aiohttp.ClientSession, program: Program
) -> None:
    await program.mentor()
    await program.grant()
    booked = await program.schedule(at=START + timedelta(days=1))
    made = await program.service.write(calendar_address, user_id=20, guild_id=GUILD)
    assert made.token is not None
    door = await feed_door(make_door, program)
    status, content_type, body = await fetch(http, door, made.token)
    assert status == 200
    assert content_type == "text/calendar; charset=utf-8"
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == f"session-{booked.session_id}@mentorbot"
    assert str(event["SUMMARY"]) == "Mentoring with mentor10 — Rust Club"
    again = await fetch(http, door, made.token)
    assert again == (status, content_type, body)  # polled again: the same calendar


async def test_anything_but_a_live_token_is_a_404_with_nothing_in_it(
    make_door: DoorFactory, http: aiohttp.ClientSession, program: Program
) -> None:
    made = await program.service.write(calendar_address, user_id=20, guild_id=GUILD)
    assert made.token is not None
    door = await feed_door(make_door, program)
    never_made = "A" * 43
    for token in [*one_character_off(made.token), made.token[:-1], made.token + "x", never_made]:
        status, _, body = await fetch(http, door, token)
        assert (status, body) == (404, b""), token
    assert (await fetch(http, door, made.token))[0] == 200


async def test_after_a_reset_the_old_address_is_a_404_at_once(
    make_door: DoorFactory, http: aiohttp.ClientSession, program: Program
) -> None:
    made = await program.service.write(calendar_address, user_id=20, guild_id=GUILD)
    assert made.token is not None
    door = await feed_door(make_door, program)
    assert (await fetch(http, door, made.token))[0] == 200
    reset = await program.service.write(reset_calendar, user_id=20, guild_id=GUILD)
    assert (await fetch(http, door, made.token))[:3:2] == (404, b"")
    assert (await fetch(http, door, reset.token))[0] == 200
