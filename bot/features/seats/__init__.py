"""Seats: /mentor add, /mentor remove, /seat move, /seats (admins) and /roster (mentors)."""

from __future__ import annotations

from bot.features.seats.cog import SeatsCog
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(SeatsCog(bot))
