"""Insight: /mysessions (anyone, also in DMs), /student, /export and /report."""

from __future__ import annotations

from bot.features.insight.cog import InsightCog
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(InsightCog(bot))
