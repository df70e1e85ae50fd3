"""Insight: /mysessions (anyone, also in DMs), /student, /export and /report."""

from __future__ import annotations

from bot.features.insight.cog import InsightCog
from bot.kit import pages
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    cog = InsightCog(bot)
    await bot.add_cog(cog)
    pages.rebuilds(bot, "mysessions", cog.my_sessions_listing)
    pages.rebuilds(bot, "student", cog.student_listing)
