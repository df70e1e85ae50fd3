"""mentorbot's Discord layer: slash commands, DMs and the scheduler, around ``core``.

``create_bot(settings, clock=...)`` is the one way to build the bot (the composition root).
"""

from bot.app import MentorBot, create_bot

__all__ = ["MentorBot", "create_bot"]
