"""Mentors' hours (R21): weekly windows (``hours_windows``, wall-clock minutes in the mentor's zone),
days off (``hours_days_off``, local dates) and booking rules (``hours_rules``, NULL = the default).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _mentor(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], name=op.f(f"fk_{table}_mentor_id_mentors"))


def upgrade() -> None:
    op.create_table(
        "hours_windows",
        sa.Column("id", ID, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", ID, nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_hours_windows_weekday_range")),
        sa.CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name=op.f("ck_hours_windows_minutes_range"),
        ),
        _mentor("hours_windows"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_windows")),
        sa.UniqueConstraint(
            "mentor_id",
            "weekday",
            "start_minute",
            name=op.f("uq_hours_windows_mentor_id_weekday_start_minute"),
        ),
    )
    op.create_table(
        "hours_days_off",
        sa.Column("id", ID, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", ID, nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_hours_days_off_days_in_order")),
        _mentor("hours_days_off"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hours_days_off")),
    )
    op.create_index("ix_hours_days_off_mentor_id_last_day", "hours_days_off", ["mentor_id", "last_day"])
    op.create_table(
        "hours_rules",
        sa.Column("mentor_id", ID, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("length_minutes", sa.Integer(), nullable=True),
        sa.Column("buffer_minutes", sa.Integer(), nullable=True),
        sa.Column("notice_hours", sa.Integer(), nullable=True),
        sa.Column("daily_max", sa.Integer(), nullable=True),
        sa.Column("horizon_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        # The bounds as they stand at this revision (core.bounds, core.schema), written out.
        sa.CheckConstraint("length_minutes BETWEEN 15 AND 240", name=op.f("ck_hours_rules_length_range")),
        sa.CheckConstraint("buffer_minutes BETWEEN 0 AND 120", name=op.f("ck_hours_rules_buffer_range")),
        sa.CheckConstraint("notice_hours BETWEEN 0 AND 168", name=op.f("ck_hours_rules_notice_range")),
        sa.CheckConstraint("daily_max BETWEEN 0 AND 96", name=op.f("ck_hours_rules_daily_max_range")),
        sa.CheckConstraint("horizon_days BETWEEN 1 AND 90", name=op.f("ck_hours_rules_horizon_range")),
        _mentor("hours_rules"),
        sa.PrimaryKeyConstraint("mentor_id", name=op.f("pk_hours_rules")),
    )


def downgrade() -> None:
    op.drop_table("hours_rules")
    op.drop_index("ix_hours_days_off_mentor_id_last_day", table_name="hours_days_off")
    op.drop_table("hours_days_off")
    op.drop_table("hours_windows")
