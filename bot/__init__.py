"""mentorbot's Discord layer: slash commands, DMs and the scheduler, around ``core``.

``create_bot(settings, clock=...)`` is the one way to build the bot (the composition root).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import MentorBot, create_bot

__all__ = ["MentorBot", "create_bot"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `mentorbot --help` and settings errors don't load discord.py.
    if name in __all__:
        from bot import app

        return getattr(app, name)
    raise AttributeError(name)
