"""Seats: /mentor add, /mentor remove, /seat move, /seats (admins) and /roster (mentors)."""

from __future__ import annotations

from bot.features.seats.cog import SeatsCog
from bot.kit import pages
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    cog = SeatsCog(bot)
    await bot.add_cog(cog)
    pages.rebuilds(bot, "seats", cog.seats_listing)
    pages.rebuilds(bot, "roster", cog.roster_listing)
