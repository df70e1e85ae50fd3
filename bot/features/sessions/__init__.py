"""Sessions: /complete, /schedule, /cancel, /noshow, /undo, and their buttons (Undo with its reason,
the two answers to the question /complete asks, a student's late-cancel confirmation)."""

from __future__ import annotations

from bot.features.sessions.buttons import ITEMS
from bot.features.sessions.cog import SessionsCog
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    await bot.add_cog(SessionsCog(bot))
    bot.add_dynamic_items(*ITEMS)
