"""``GET /calendar/<token>.ics`` (R22): a person's calendar feed, for calendar apps to subscribe to.

The route reads the feed in one read transaction (``core.calendar.read_feed``) and writes it on a
worker thread (``render_feed``: icalendar is CPU work, ~0.2 ms an event the first time, and the event
loop also carries the Discord gateway). Anything but a live token — unknown, reset, wrong by one
character, not shaped like one — is a 404 with an empty body: nothing tells a guess from a near miss.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.calendar import ServerNames, read_feed, render_feed
from core.service import Service

CALENDAR_PATH = "/calendar/{token}.ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def calendar_path(token: str) -> str:
    """The path of ``token``'s feed (``PUBLIC_URL`` goes in front of it)."""
    return CALENDAR_PATH.replace("{token}", token)


def calendar_routes(service: Service, server_names: ServerNames) -> list[web.RouteDef]:
    """The feed route. ``server_names``: server names by id as the bot knows them (its guild cache);
    read on the event loop, before the calendar is written."""

    async def calendar_feed(request: web.Request) -> web.Response:
        found = await service.read(read_feed, request.match_info["token"])
        if found is None:
            return web.Response(status=404)
        names = {guild: name for guild in found.guild_ids if (name := server_names.get(guild)) is not None}
        body = await asyncio.to_thread(render_feed, found, names)
        # Private to its owner: no shared cache keeps it; apps ask again when they poll.
        return web.Response(
            body=body, headers={"Content-Type": CONTENT_TYPE, "Cache-Control": "private, no-cache"}
        )

    return [web.get(CALENDAR_PATH, calendar_feed)]
