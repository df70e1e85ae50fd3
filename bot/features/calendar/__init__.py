"""Calendar feeds (R22): ``/calendar`` (the caller's private feed address, ``reset`` for a new one), and
the feed itself, ``GET /calendar/<token>.ics``, added to the web door."""

from __future__ import annotations

from bot.features.calendar.cog import CalendarCog, GuildNames
from bot.kit.host import Host
from bot.web import calendar_routes


async def setup(bot: Host) -> None:
    if bot.web is not None:
        bot.web.add_routes(calendar_routes(bot.service, GuildNames(bot)))
    await bot.add_cog(CalendarCog(bot))
