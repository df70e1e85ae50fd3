"""What the sweep finds due: the claim statements run in batches (``in_batches``, ``due``,
``due_packs``) and the earliest moment the sweep next has something to do (``next_due``).

On PostgreSQL due rows are picked ``FOR UPDATE SKIP LOCKED``, so two sweeps at once split the work and
a seat a change holds (``core.locks``) waits for the next pass instead of blocking the sweep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true

from core import rules
from core.schema import packs, seats
from core.tx import AnyRow, Tx

ACTIVE = rules.ACTIVE

# Rows handled per statement; a sweep after long downtime loops until nothing due is left.
BATCH = 1000


def in_batches(tx: Tx, statement_for: Any) -> list[AnyRow]:
    """Run a claim-and-update statement (``:now`` bound to the transaction's instant) until it
    returns less than a full batch."""
    rows: list[AnyRow] = []
    parameters = {"now": tx.now}
    while True:
        batch = tx.conn.execute(statement_for(), parameters).all()
        rows.extend(batch)
        if len(batch) < BATCH:
            return rows


def due(table: Any, *conditions: Any) -> Any:
    return (
        select(table.c.id).where(*conditions).limit(BATCH).with_for_update(skip_locked=True).scalar_subquery()
    )


def due_packs(*conditions: Any) -> Any:
    """``due`` for packs that takes each pack's seat with it: a seat a change holds (``core.locks``)
    keeps its packs for the next pass, so the sweep never waits on it (nor it on the sweep)."""
    return (
        select(packs.c.id)
        .join(seats, seats.c.id == packs.c.seat_id)
        .where(*conditions)
        .limit(BATCH)
        .with_for_update(of=(packs, seats), skip_locked=True, key_share=True)
        .scalar_subquery()
    )


def _earliest(column: Any, *conditions: Any) -> Any:
    return select(func.min(column)).where(*conditions).scalar_subquery()


_NEXT_DUE = select(
    _earliest(packs.c.ends_at, packs.c.status == ACTIVE).label("expiry"),
    _earliest(seats.c.grace_ends_at, *rules.GRACE_UNBOOKED).label("grace_end"),
    _earliest(seats.c.offer_ends_at, *rules.OFFER_HELD).label("offer_end"),
    *(_earliest(w.due_at, *w.pending).label(w.kind.value) for w in rules.WARNINGS),
    select(true()).where(*rules.ALL_PACKS_EXPIRED).limit(1).scalar_subquery().label("release_now"),
)


def next_due(tx: Tx) -> datetime | None:
    """The earliest moment the sweep will have something to do (a warning, a grace end, an expiry, a
    session reminder), or None when nothing is pending. It may be in the past: then it is due now."""
    row = tx.conn.execute(_NEXT_DUE, {"now": tx.now}).one()
    moments = [
        row.expiry,
        row.grace_end,
        row.offer_end,
        *(row._mapping[w.kind.value] for w in rules.WARNINGS),
    ]
    if row.release_now:
        moments.append(tx.now)
    return min((moment for moment in moments if moment is not None), default=None)
