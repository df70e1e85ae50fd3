"""Notifications keep what their text is made of: ``notifications.params`` (JSON, NULL for a text
fixed when queued), so a DM whose text names a deadline is written again when it is sent, with the
clock of that moment (a late DM tells the truth about every deadline).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("params", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("params")
