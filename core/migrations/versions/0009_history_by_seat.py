"""History by seat: ``/student`` reads a student's last changes from the entries of their seats,
newest first, without walking the server's whole history.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_history_seat_id_at", "history", ["seat_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_history_seat_id_at", table_name="history")
