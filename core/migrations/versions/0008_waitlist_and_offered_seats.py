"""The waitlist (R19): table ``waitlist`` (a student's place in a mentor's line, in join order), and
on seats the moment an offered seat's hold runs out (``offer_ends_at``), with the indexes the sweep and
the once-only offer need.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFFERED = "status = 'offered'"
IN_LINE = "status IN ('waiting', 'offered')"


def upgrade() -> None:
    op.add_column("seats", sa.Column("offer_ends_at", UTCDateTime(), nullable=True))
    op.create_index(
        "uq_seats_offered_mentor_student",
        "seats",
        ["mentor_id", "student_id"],
        unique=True,
        sqlite_where=sa.text(OFFERED),
        postgresql_where=sa.text(OFFERED),
    )
    op.create_index(
        "ix_seats_offer_ends_at",
        "seats",
        ["offer_ends_at"],
        sqlite_where=sa.text(OFFERED),
        postgresql_where=sa.text(OFFERED),
    )
    op.create_table(
        "waitlist",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("student_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'seated', 'declined', 'lapsed', 'left')",
            name=op.f("ck_waitlist_status_known"),
        ),
        sa.CheckConstraint(
            "status <> 'offered' OR seat_id IS NOT NULL", name=op.f("ck_waitlist_offer_has_seat")
        ),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], name=op.f("fk_waitlist_mentor_id_mentors")),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_waitlist_seat_id_seats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist")),
    )
    op.create_index(
        "uq_waitlist_in_line_mentor_student",
        "waitlist",
        ["mentor_id", "student_id"],
        unique=True,
        sqlite_where=sa.text(IN_LINE),
        postgresql_where=sa.text(IN_LINE),
    )
    op.create_index(
        "ix_waitlist_waiting_mentor",
        "waitlist",
        ["mentor_id", "id"],
        sqlite_where=sa.text("status = 'waiting'"),
        postgresql_where=sa.text("status = 'waiting'"),
    )
    op.create_index("ix_waitlist_student_guild", "waitlist", ["student_id", "guild_id"])


def downgrade() -> None:
    op.drop_table("waitlist")
    op.drop_index("ix_seats_offer_ends_at", table_name="seats")
    op.drop_index("uq_seats_offered_mentor_student", table_name="seats")
    op.drop_column("seats", "offer_ends_at")
