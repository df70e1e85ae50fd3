"""What the sender needs to know about a notification's server when it sends: the settings in force
there that shape a DM (renew link, renewal SKU, fallback channel, R14) and what the people the DM
mentions are called in that server (the names recorded when they became mentor or student).

Core never sees the server's name or Discord's member cache: the bot adds those (``bot.delivery``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from core.domain import Policy
from core.schema import mentors, seats
from core.tx import Tx


@dataclass(frozen=True, slots=True)
class Letterhead:
    policy: Policy  # the server's settings in force (renew link, renewal SKU, fallback channel)
    names: dict[int, str] = field(default_factory=dict)  # user id -> display name in that server


def letterhead(tx: Tx, *, guild_id: int, user_ids: frozenset[int] = frozenset()) -> Letterhead:
    """Server ``guild_id``'s settings for a DM, and the names of ``user_ids`` there."""
    policy = tx.policy_for(guild_id)
    names: dict[int, str] = {}
    if user_ids:
        wanted = list(user_ids)
        for user_id, name in tx.conn.execute(
            select(seats.c.student_id, seats.c.student_name)
            .where(seats.c.guild_id == guild_id, seats.c.student_id.in_(wanted), seats.c.student_name != "")
            .order_by(seats.c.id)  # the latest seat's name wins: it was recorded last
        ):
            names[user_id] = name
        for user_id, name in tx.conn.execute(
            select(mentors.c.user_id, mentors.c.display_name).where(
                mentors.c.guild_id == guild_id, mentors.c.user_id.in_(wanted), mentors.c.display_name != ""
            )
        ):
            names[user_id] = name
    return Letterhead(policy, names)
