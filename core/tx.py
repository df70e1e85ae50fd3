"""The context a use case runs in: one open transaction, the instant it started, and the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Connection, Row, Table
from sqlalchemy.dialects import postgresql, sqlite

from core.domain import Policy


def upsert_insert(table: Table, dialect: str) -> Any:
    """An INSERT that takes ``on_conflict_do_nothing`` / ``on_conflict_do_update`` on either database."""
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


# A result row of any shape (statements here are Core, so rows are read by column name).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Tx:
    conn: Connection
    now: datetime
    policy: Policy

    @property
    def is_postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def upsert(self, table: Table) -> Any:
        """This database's INSERT with ``ON CONFLICT`` clauses (``upsert_insert``)."""
        return upsert_insert(table, self.conn.dialect.name)
