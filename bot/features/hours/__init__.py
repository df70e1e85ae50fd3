"""Hours (R21): /hours add, remove, off, rules and show — a mentor's weekly windows, days off and
booking rules, on their own hours or, for an admin, on any mentor's (the ``mentor`` option)."""

from __future__ import annotations

from bot.features.hours.cog import HoursCog
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(HoursCog(bot))
