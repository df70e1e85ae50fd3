"""Calendar feeds (R22): table ``calendar_feeds`` (one private address per person, kept only as the
SHA-256 of its token), a ``sequence`` on sessions (raised when a session moves: the feed's
``SEQUENCE``), and the indexes that find a person's sessions as a mentor in every server.

Revision ID: 0011
Revises: 0009 (the lead re-chains it after 0010 at merge)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.add_column(
        "sessions", sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_index("ix_mentors_user_id", "mentors", ["user_id"])
    op.create_index("ix_seats_mentor_id", "seats", ["mentor_id"])


def downgrade() -> None:
    op.drop_index("ix_seats_mentor_id", table_name="seats")
    op.drop_index("ix_mentors_user_id", table_name="mentors")
    op.drop_column("sessions", "sequence")
    op.drop_table("calendar_feeds")
