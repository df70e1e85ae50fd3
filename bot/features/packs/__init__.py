"""Packs: /pack grant, /pack extend, /pack revoke (admins)."""

from __future__ import annotations

from bot.features.packs.cog import PacksCog
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(PacksCog(bot))
