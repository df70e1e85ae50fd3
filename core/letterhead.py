"""What the sender needs to know about a notification's server when it sends: the settings in force
there that shape a DM (renew link, renewal SKU, fallback channel, R14) and what the people the DM
mentions are called in that server (the names recorded when they became mentor or student).

It is read in the transaction that claims the notifications (``core.outbox.claim``, or the
command's that queued them, ``core.outbox.leased_here``), for a whole batch at once, in one statement: the settings of the batch's servers and the names of everyone it
mentions. Core never sees the server's name or Discord's member cache: the bot adds those
(``bot.kit.delivery``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, BindParameter, String, bindparam, literal, select, union_all

from core.domain import Policy
from core.schema import mentors, seats, server_settings
from core.settings.policy import policy_from
from core.tx import Tx

# How ``core.texts.mention`` writes a person into a text (and Discord's older nickname form).
MENTION = re.compile(r"<@!?(\d+)>")


@dataclass(frozen=True, slots=True)
class Letterhead:
    policy: Policy  # the server's settings in force (renew link, renewal SKU, fallback channel)
    names: dict[int, str] = field(default_factory=dict)  # user id -> display name in that server


def mentioned(body: str) -> frozenset[int]:
    """The user ids a text mentions."""
    return frozenset(int(found) for found in MENTION.findall(body))


_GUILDS: BindParameter[int] = bindparam("guilds", expanding=True)
_USERS: BindParameter[int] = bindparam("users", expanding=True)
_NAME, _SETTING = 0, 1
# One statement for a batch: what the servers set for themselves (``core.settings.policy``), and the
# names of whom the texts mention. Students' names come first, oldest seat first, then mentors': a
# later row wins, so a person's latest seat names them, and a mentor is named as registered.
_READ = union_all(
    select(
        literal(_SETTING).label("what"),
        server_settings.c.guild_id,
        literal(None, BigInteger()).label("user_id"),
        server_settings.c.name,
        server_settings.c.value,
        literal(0).label("source"),
        literal(0).label("row_id"),
    ).where(server_settings.c.guild_id.in_(_GUILDS)),
    select(
        literal(_NAME),
        seats.c.guild_id,
        seats.c.student_id,
        seats.c.student_name,
        literal(None, String()),
        literal(1),
        seats.c.id,
    ).where(seats.c.student_id.in_(_USERS), seats.c.guild_id.in_(_GUILDS), seats.c.student_name != ""),
    select(
        literal(_NAME),
        mentors.c.guild_id,
        mentors.c.user_id,
        mentors.c.display_name,
        literal(None, String()),
        literal(2),
        mentors.c.id,
    ).where(mentors.c.guild_id.in_(_GUILDS), mentors.c.user_id.in_(_USERS), mentors.c.display_name != ""),
).order_by("source", "row_id")


def letterheads(tx: Tx, notifications: Sequence[tuple[int, str]]) -> list[Letterhead]:
    """For each (server id, text): that server's settings, and the names there of whom the text
    mentions."""
    wanted = [(guild_id, mentioned(body)) for guild_id, body in notifications]
    guilds = sorted({guild_id for guild_id, _ in wanted})
    users = sorted(set().union(*(people for _, people in wanted)))
    names: dict[int, dict[int, str]] = {guild_id: {} for guild_id in guilds}
    if users or not all(tx.knows_policy(guild_id) for guild_id in guilds):
        stored: dict[int, dict[str, str]] = {guild_id: {} for guild_id in guilds}
        for what, guild_id, user_id, name, value, _source, _row in tx.conn.execute(
            _READ, {"guilds": guilds, "users": users or [0]}
        ):
            if what == _SETTING:
                stored[guild_id][name] = value
            else:
                names[guild_id][user_id] = name
        for guild_id in guilds:
            if not tx.knows_policy(guild_id):
                tx.learn_policy(guild_id, policy_from(tx.defaults, guild_id, stored[guild_id]))
    return [
        Letterhead(
            tx.policy_for(guild_id),
            {user_id: names[guild_id][user_id] for user_id in people if user_id in names[guild_id]},
        )
        for guild_id, people in wanted
    ]
