"""The context a use case runs in: one open transaction, the instant it started, and the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Connection, Row

from core.domain import Policy

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
