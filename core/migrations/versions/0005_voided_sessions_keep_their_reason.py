"""Corrections (R16): a voided session keeps who reverted it, when, and why; a removed mentor keeps
their row (released seats and history point at it) with the moment of removal; a pack remembers the
request that last extended it, so the same request repeated extends once.

Revision ID: 0005
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("voided_at", UTCDateTime(), nullable=True))
    op.add_column("sessions", sa.Column("voided_by", sa.BigInteger(), nullable=True))
    op.add_column("sessions", sa.Column("void_reason", sa.Text(), nullable=True))
    op.add_column("mentors", sa.Column("removed_at", UTCDateTime(), nullable=True))
    op.add_column("packs", sa.Column("extend_key", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("packs", "extend_key")
    op.drop_column("mentors", "removed_at")
    for column in ("void_reason", "voided_by", "voided_at"):
        op.drop_column("sessions", column)
