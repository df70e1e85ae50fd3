"""Feed tokens (R22): a person's private calendar address, made, shown once, and replaced.

A token is 256 random bits (``secrets``) written url-safe; the database keeps only its SHA-256, so
neither a copy of the database nor a log of its statements gives the address away. A feed is found by
that hash and the stored hash is compared again in constant time. One live token per person (the
Discord user id: the feed spans every server); a reset replaces the hash in one statement, so the old
address stops at once.

History (R13): a token belongs to a person, not to a server, but it is made by a command used in one;
the entry goes to that server's history like every other change made there (``guild_id``), or to
``NO_SERVER`` when the command came by DM. It names no token and no hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import bindparam, select

from core import history
from core.calendar.results import CalendarAddress, CalendarReset
from core.schema import calendar_feeds
from core.tx import Tx

TOKEN_BYTES = 32  # 256 bits
# What token_urlsafe(TOKEN_BYTES) writes: 43 characters of the url-safe base64 alphabet. Anything
# else is no token of ours and is answered "unknown" without a statement.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
# History of a change made by a command outside any server (a DM). Discord ids are never 0.
NO_SERVER = 0

_MADE_AT = select(calendar_feeds.c.created_at).where(calendar_feeds.c.user_id == bindparam("user_id"))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def fingerprint(token: str) -> str:
    """What the database keeps of a token: the hex SHA-256 of its text."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return TOKEN_SHAPE.fullmatch(text) is not None


def same_fingerprint(stored: str, token: str) -> bool:
    """Whether ``stored`` is ``token``'s fingerprint, compared in constant time."""
    return hmac.compare_digest(stored.encode(), fingerprint(token).encode())


def calendar_address(tx: Tx, *, user_id: int, guild_id: int | None = None) -> CalendarAddress:
    """The caller's feed token, made now if they have none. An existing one cannot be shown again
    (only its fingerprint is kept): the answer then says since when it exists."""
    token = new_token()
    insert = tx.upsert(calendar_feeds).values(
        user_id=user_id, token_hash=fingerprint(token), created_at=tx.now
    )
    made = tx.conn.execute(
        insert.on_conflict_do_nothing(index_elements=["user_id"]).returning(calendar_feeds.c.created_at)
    ).first()
    if made is None:
        return CalendarAddress(
            token=None, made_at=tx.conn.execute(_MADE_AT, {"user_id": user_id}).scalar_one()
        )
    history.record(tx, guild_id=_server(guild_id), actor_id=user_id, action="calendar_address_made")
    return CalendarAddress(token=token, made_at=tx.now)


def reset_calendar(tx: Tx, *, user_id: int, guild_id: int | None = None) -> CalendarReset:
    """A new feed token for the caller; the old one (if any) answers nothing from this commit on."""
    token = new_token()
    insert = tx.upsert(calendar_feeds).values(
        user_id=user_id, token_hash=fingerprint(token), created_at=tx.now
    )
    tx.conn.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"token_hash": insert.excluded.token_hash, "created_at": insert.excluded.created_at},
        )
    )
    history.record(tx, guild_id=_server(guild_id), actor_id=user_id, action="calendar_address_reset")
    return CalendarReset(token=token, made_at=tx.now)


def _server(guild_id: int | None) -> int:
    return NO_SERVER if guild_id is None else guild_id
