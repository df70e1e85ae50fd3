"""Store when each warning falls due: seats.final_warning_at, packs.expiry_warning_at,
sessions.reminder_at, set when the deadline is set; the sweep's warning indexes move onto them.

A stored moment keeps a running grace, pack or booking on the deadline it got when the policy numbers
change later (R14), and lets one set-based sweep statement serve every server without knowing their
numbers. Rows already waiting for a warning get the moment the default policy gives them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from core.domain import Policy
from core.schema import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, new column, deadline column, status the warning waits in, its flag, index)
WARNINGS = (
    (
        "seats",
        "final_warning_at",
        "grace_ends_at",
        "grace",
        "final_warning_queued",
        "ix_seats_final_warning_due",
    ),
    ("packs", "expiry_warning_at", "ends_at", "active", "expiry_warned", "ix_packs_expiry_warning_due"),
    ("sessions", "reminder_at", "starts_at", "scheduled", "reminder_queued", "ix_sessions_reminder_due"),
)


def _leads() -> dict[str, timedelta]:
    policy = Policy()
    return {
        "final_warning_at": policy.final_warning_lead,
        "expiry_warning_at": policy.expiry_warning_lead,
        "reminder_at": policy.session_reminder_lead,
    }


def _index(name: str, table: str, column: str, status: str, flag: str) -> None:
    op.create_index(
        name,
        table,
        [column],
        sqlite_where=sa.text(f"status = '{status}' AND {flag} = 0"),
        postgresql_where=sa.text(f"status = '{status}' AND {flag} = false"),
    )


def upgrade() -> None:
    bind = op.get_bind()
    leads = _leads()
    for table, column, deadline, status, flag, index in WARNINGS:
        op.add_column(table, sa.Column(column, UTCDateTime(), nullable=True))
        op.drop_index(index, table_name=table)
        _index(index, table, column, status, flag)
        rows = sa.table(
            table,
            sa.column("id"),
            sa.column(deadline, UTCDateTime()),
            sa.column(column, UTCDateTime()),
            sa.column("status"),
            sa.column(flag),
        )
        waiting = bind.execute(
            sa.select(rows.c.id, rows.c[deadline]).where(rows.c.status == status, rows.c[flag] == sa.false())
        ).all()
        if waiting:
            bind.execute(
                sa.update(rows)
                .where(rows.c.id == sa.bindparam("row_id"))
                .values({column: sa.bindparam("due")}),
                [{"row_id": row.id, "due": row[1] - leads[column]} for row in waiting],
            )


def downgrade() -> None:
    for table, column, deadline, status, flag, index in WARNINGS:
        op.drop_index(index, table_name=table)
        _index(index, table, deadline, status, flag)
        op.drop_column(table, column)
