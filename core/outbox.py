"""The notification outbox: queueing a DM in the transaction of the change that causes it, and the
claim delivery starts a round with (``core.outcomes`` records what the round did).

Every notification has a unique key (kind + what it is about + period), inserted with
``ON CONFLICT DO NOTHING``: the same fact can never queue two DMs, whoever runs it and however often.

Delivery claims due rows with a lease: a claim moves ``next_attempt_at`` past the lease and bumps
``lease_token``; marking sent (or retried, or failed) only succeeds under the token the worker got,
so a worker whose lease ran out can no longer mark anything. On PostgreSQL the claim skips rows
another worker has locked (``FOR UPDATE SKIP LOCKED``); on SQLite writes are serialized anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, Update, bindparam, case, func, select, update

from core import rules
from core.domain import (
    NotificationKind,
    NotificationStatus,
)
from core.letterhead import Letterhead, letterheads
from core.schema import UTCDateTime, notifications, sql
from core.texts import Deferred, render_stored
from core.tx import Tx, upsert_insert

LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Owed:
    """A notification to queue."""

    guild_id: int
    kind: NotificationKind
    key: str
    recipient_id: int
    body: str | Deferred  # Deferred: written again with the clock of each moment it is read
    mentor_user_id: int | None = None
    seat_id: int | None = None
    pack_id: int | None = None
    session_id: int | None = None
    seat_period: int | None = None
    due_at: datetime | None = None


_QUEUE: dict[str, Insert] = {
    dialect: upsert_insert(notifications, dialect)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(notifications.c.id)
    for dialect in ("postgresql", "sqlite")
}
_QUEUE_MANY = {name: statement.returning(notifications.c.key) for name, statement in _QUEUE.items()}


def queue(tx: Tx, owed: list[Owed]) -> tuple[int, ...]:
    """Insert what is owed; returns the ids of the rows that are new (a duplicate key is skipped)."""
    if not owed:
        return ()
    rows = [
        {
            **_lease(tx, item.due_at or tx.now),
            "guild_id": item.guild_id,
            "key": item.key,
            "kind": item.kind.value,
            "recipient_id": item.recipient_id,
            "mentor_user_id": item.mentor_user_id,
            "seat_id": item.seat_id,
            "pack_id": item.pack_id,
            "session_id": item.session_id,
            "seat_period": item.seat_period,
            "body": item.body.render(tx.now) if isinstance(item.body, Deferred) else item.body,
            "params": item.body.to_json() if isinstance(item.body, Deferred) else None,
            "status": NotificationStatus.PENDING.value,
            "due_at": item.due_at or tx.now,
            "created_at": tx.now,
        }
        for item in owed
    ]
    if len(rows) == 1:
        new_ids = [tx.conn.execute(_QUEUE[tx.conn.dialect.name], rows[0]).scalar()]
    else:
        # Many (a sweep's): multi-row INSERTs, not one statement per row. ON CONFLICT DO NOTHING
        # returns only the new rows, in no promised order, so each is matched to what was owed by its
        # unique key (pop: a key owed twice is new once).
        new = {
            new_key: new_id for new_id, new_key in tx.conn.execute(_QUEUE_MANY[tx.conn.dialect.name], rows)
        }
        new_ids = [new.pop(row["key"], None) for row in rows]
    tx.leased.extend(
        (new_id, row) for new_id, row in zip(new_ids, rows, strict=True) if new_id and row["lease_token"]
    )
    return tuple(new_id for new_id in new_ids if new_id is not None)


def _lease(tx: Tx, due_at: datetime) -> dict[str, Any]:
    """A new row's first attempt: now, when due, under this transaction's own lease if it has one
    (a command's: it sends the DM itself, after its reply); else when due, for delivery to claim."""
    if tx.lease_until is not None and due_at <= tx.now:
        return {"next_attempt_at": tx.lease_until, "lease_token": 1}
    return {"next_attempt_at": due_at, "lease_token": 0}


def drop_pending(tx: Tx, kind: NotificationKind, *, pack_id: int, why: str) -> None:
    """Drop the DMs of ``kind`` about pack ``pack_id`` not yet sent: what they say no longer holds
    (e.g. R8, an expiry warning about an end date since moved)."""
    tx.conn.execute(
        update(notifications)
        .where(
            notifications.c.pack_id == pack_id,
            notifications.c.kind == kind.value,
            notifications.c.status == NotificationStatus.PENDING.value,
        )
        .values(status=NotificationStatus.DROPPED.value, last_error=why)
    )


# ---- delivery steps --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    guild_id: int
    kind: NotificationKind
    recipient_id: int
    mentor_user_id: int | None
    seat_id: int | None
    body: str
    due_at: datetime
    attempts: int
    lease_token: int
    letterhead: Letterhead  # the server's settings and the names of whom the text mentions, at claim

    @property
    def nonce(self) -> str:
        """Discord dedupes sends with the same nonce for a few minutes: a resend after a crash."""
        return f"mb-{self.id}"


_CLAIM_COLUMNS = (
    notifications.c.id,
    notifications.c.guild_id,
    notifications.c.kind,
    notifications.c.recipient_id,
    notifications.c.mentor_user_id,
    notifications.c.seat_id,
    notifications.c.body,
    notifications.c.params,
    notifications.c.due_at,
    notifications.c.attempts,
    notifications.c.lease_token,
    notifications.c.status,
)


@dataclass(frozen=True, slots=True)
class Batch:
    """What one claim leased (to send), and how many it dropped because they no longer apply."""

    items: list[Claimed]
    dropped: int = 0


# Statements are built once (module level), with parameters: building one per call, as complex as
# these, cost more than running it.
_NOW = bindparam("now", type_=UTCDateTime())
_STALE = rules.stale()
_DROPPED = sql(NotificationStatus.DROPPED.value)


def _claim_statement(only_ids: bool) -> Update:
    candidates = (
        select(notifications.c.id)
        .where(
            # A constant, not a parameter: it names the partial index of pending notifications.
            notifications.c.status == sql(NotificationStatus.PENDING.value),
            notifications.c.next_attempt_at <= _NOW,
        )
        .order_by(notifications.c.next_attempt_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    if only_ids:
        candidates = candidates.where(notifications.c.id.in_(bindparam("ids", expanding=True)))
    # One statement leases the due rows and drops those whose reason has gone (``core.rules.STALE_WHEN``,
    # one rule per kind): say, a booking DM for a session cancelled since, or *one left* once the pack
    # is complete. A dropped row comes back with its new status and is not sent.
    return (
        update(notifications)
        .where(notifications.c.id.in_(candidates.scalar_subquery()))
        .values(
            next_attempt_at=bindparam("lease_until", type_=UTCDateTime()),
            lease_token=notifications.c.lease_token + 1,
            status=case((_STALE, _DROPPED), else_=notifications.c.status),
        )
        .returning(*_CLAIM_COLUMNS)
    )


_CLAIM = {only_ids: _claim_statement(only_ids) for only_ids in (False, True)}


def leased_here(tx: Tx) -> Batch:
    """The DMs this transaction queued under its own lease (``Tx.lease_until``), as a claim returns
    them: just queued by the change that owes them, they apply by construction."""
    return Batch(_with_letterheads(tx, [{**row, "id": new_id, "attempts": 0} for new_id, row in tx.leased]))


def _with_letterheads(tx: Tx, rows: Sequence[Mapping[Any, Any]]) -> list[Claimed]:
    """Notification rows (by column name) as ``Claimed``, each with its letterhead, read for them all.
    A text kept as params is written now, with this moment's clock (a late DM tells the truth)."""
    bodies = [render_stored(row["params"], row["body"], tx.now) for row in rows]
    heads = letterheads(tx, [(row["guild_id"], body) for row, body in zip(rows, bodies, strict=True)])
    return [
        Claimed(
            id=row["id"],
            guild_id=row["guild_id"],
            kind=NotificationKind(row["kind"]),
            recipient_id=row["recipient_id"],
            mentor_user_id=row["mentor_user_id"],
            seat_id=row["seat_id"],
            body=body,
            due_at=row["due_at"],
            attempts=row["attempts"],
            lease_token=row["lease_token"],
            letterhead=head,
        )
        for row, body, head in zip(rows, bodies, heads, strict=True)
    ]


_SAY_DROPPED = (
    update(notifications)
    .where(notifications.c.id.in_(bindparam("ids", expanding=True)))
    .values(last_error="no longer applies")
)


def claim(tx: Tx, *, limit: int = 100, ids: Iterable[int] | None = None) -> Batch:
    """Lease up to ``limit`` due notifications (or just ``ids``, when due) and return them, in the
    order they were queued, each with its server's letterhead (``core.letterhead``).

    Notifications that no longer apply are marked dropped by the same statement, not returned.
    """
    parameters: dict[str, Any] = {"now": tx.now, "lease_until": tx.now + LEASE, "limit": limit}
    if ids is not None:
        parameters["ids"] = list(ids)
        if not parameters["ids"]:
            return Batch([])
    claimed = tx.conn.execute(_CLAIM[ids is not None], parameters).all()
    leased = sorted(
        (row for row in claimed if row.status != NotificationStatus.DROPPED.value), key=lambda row: row.id
    )
    if len(leased) < len(claimed):  # rare: say why, for whoever reads the outbox
        dropped = [row.id for row in claimed if row.status == NotificationStatus.DROPPED.value]
        tx.conn.execute(_SAY_DROPPED, {"ids": dropped})
    return Batch(_with_letterheads(tx, [row._mapping for row in leased]), len(claimed) - len(leased))


def pending_notifications(tx: Tx) -> int:
    """How many notifications are still owed (for operators and tests)."""
    count: int = tx.conn.execute(
        select(func.count())
        .select_from(notifications)
        .where(notifications.c.status == sql(NotificationStatus.PENDING.value))
    ).scalar_one()
    return count
