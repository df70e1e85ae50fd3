"""Booking (R21): a student's /book from their mentor's hours (``when`` autocompleted with the open
slots, or a select menu a week per page), and /reschedule of a booked session to another open slot."""

from __future__ import annotations

from bot.features.booking.cog import BookingCog
from bot.features.booking.menu import ITEMS
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(BookingCog(bot))
    bot.add_dynamic_items(*ITEMS)
