"""Small facts the bot keeps between runs (e.g. the hash of the last synced command tree)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.schema import bot_state
from core.tx import Tx


def get(tx: Tx, *, key: str) -> str | None:
    value: str | None = tx.conn.execute(select(bot_state.c.value).where(bot_state.c.key == key)).scalar()
    return value


def put(tx: Tx, *, key: str, value: str) -> None:
    module: Any = postgresql if tx.is_postgres else sqlite
    statement = module.insert(bot_state).values(key=key, value=value, updated_at=tx.now)
    tx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
