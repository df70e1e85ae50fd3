"""The context a use case runs in: one open transaction, the instant it started, and the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from core.domain import Policy


@dataclass(frozen=True, slots=True)
class Tx:
    conn: Connection
    now: datetime
    policy: Policy

    @property
    def is_postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"
