"""R13: every change records who did it, what, and when, in the transaction that makes it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert

from core.schema import history
from core.tx import Tx

_INSERT = insert(history)


def entry(
    *,
    guild_id: int,
    actor_id: int | None,
    action: str,
    seat_id: int | None = None,
    pack_id: int | None = None,
    session_id: int | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """One history row; ``actor_id`` None means the bot itself did it (the sweep)."""
    return {
        "guild_id": guild_id,
        "actor_id": actor_id,
        "action": action,
        "seat_id": seat_id,
        "pack_id": pack_id,
        "session_id": session_id,
        "detail": json.dumps(detail, default=str, sort_keys=True) if detail else "",
    }


def record(tx: Tx, **fields: Any) -> None:
    record_many(tx, [entry(**fields)])


def record_many(tx: Tx, rows: list[dict[str, Any]]) -> None:
    if rows:
        tx.conn.execute(_INSERT, [{"at": tx.now, **row} for row in rows])
