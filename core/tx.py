"""The context a use case runs in: one open transaction, the instant it started, and the policy; and
what every use case does with its transaction (queue behind the same request, pick a row again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Connection, Row, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from core.domain import Policy


def upsert_insert(table: Table, dialect: str) -> Any:
    """An INSERT that takes ``on_conflict_do_nothing`` / ``on_conflict_do_update`` on either database."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


# How often a conditional update is tried again when another transaction took the row it picked.
PICK_ATTEMPTS = 5


# A result row of any shape (statements here are Core, so rows are read by column name).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


# How a transaction reads the settings a server set for itself (R14): ``core.settings.policy.policy_of``,
# handed in by ``core.service.Service``, so this module knows no settings module.
PolicyLoader: TypeAlias = Callable[["Tx", int], Policy]


@dataclass(frozen=True, slots=True)
class Tx:
    """One transaction: its connection, the instant it started, and the environment's server settings
    (``defaults``), which ``policy_for`` overlays with what a server set for itself (R14), read by the
    ``load_policy`` it was handed."""

    conn: Connection
    now: datetime
    defaults: Policy
    load_policy: PolicyLoader
    _policies: dict[int, Policy] = field(default_factory=dict)
    # A command's transaction (``core.runtime.Runtime.command``) leases the DMs it queues to itself
    # until then, so it sends them after its reply with no claim of its own; ``core.outbox.queue``
    # keeps each one's id and row here.
    lease_until: datetime | None = None
    leased: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def policy_for(self, guild_id: int) -> Policy:
        """The settings in force in server ``guild_id``: read once per transaction, when first asked."""
        policy = self._policies.get(guild_id)
        if policy is None:
            policy = self._policies[guild_id] = self.load_policy(self, guild_id)
        return policy

    def knows_policy(self, guild_id: int) -> bool:
        return guild_id in self._policies

    def learn_policy(self, guild_id: int, policy: Policy) -> None:
        """Server ``guild_id``'s settings, read by a statement that asked for more (``core.letterhead``)."""
        self._policies[guild_id] = policy

    @property
    def is_postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def upsert(self, table: Table) -> Any:
        """This database's INSERT with ``ON CONFLICT`` clauses (``upsert_insert``)."""
        return upsert_insert(table, self.conn.dialect.name)


def hold_request(tx: Tx, request_key: str) -> None:
    """Make the same request run twice at once queue up (PostgreSQL; SQLite writes one at a time):
    the second waits until the first commits, then finds what it recorded instead of failing on the
    unique request key."""
    if tx.is_postgres:
        tx.conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(request_key, 0))))
