"""Small facts the bot keeps between runs (e.g. the hash of the last synced command tree)."""

from __future__ import annotations

from sqlalchemy import select

from core.schema import bot_state
from core.tx import Tx


def get(tx: Tx, *, key: str) -> str | None:
    value: str | None = tx.conn.execute(select(bot_state.c.value).where(bot_state.c.key == key)).scalar()
    return value


def put(tx: Tx, *, key: str, value: str) -> None:
    statement = tx.upsert(bot_state).values(key=key, value=value, updated_at=tx.now)
    tx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
