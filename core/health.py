"""What the web door's health check and metrics read from the database (R24): whether it answers,
and how many DMs are owed and not yet delivered."""

from __future__ import annotations

from sqlalchemy import func, literal, select

from core.schema import notifications, sql
from core.tx import Tx

_PING = select(literal(1))
# Counted from the partial index of pending notifications: the size of what is owed, not of the table.
_WAITING = select(func.count()).select_from(notifications).where(notifications.c.status == sql("pending"))


def database_answers(tx: Tx) -> None:
    """Runs one trivial statement: returns when the database answered, raises when it did not."""
    tx.conn.execute(_PING).scalar_one()


def notifications_waiting(tx: Tx) -> int:
    """DMs owed and not yet delivered (pending), whether due now or later."""
    count: int = tx.conn.execute(_WAITING).scalar_one()
    return count
