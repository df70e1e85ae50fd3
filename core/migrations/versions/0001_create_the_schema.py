"""Create the schema: mentors, seats, packs, sessions, the notification outbox, history, bot state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 23:50:03.872782
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LIVE = "status IN ('active', 'grace')"


def partial_index(
    name: str, table: str, columns: list[str], where: str, *, unset: str = "", unique: bool = False
) -> None:
    """An index over the rows ``where`` picks (and whose ``unset`` flag is false), on both databases."""
    sqlite, postgres = where, where
    if unset:
        sqlite += f" AND {unset} = 0"
        postgres += f" AND {unset} = false"
    op.create_index(
        name,
        table,
        columns,
        unique=unique,
        sqlite_where=sa.text(sqlite),
        postgresql_where=sa.text(postgres),
    )


def upgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )
    op.create_table(
        "history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("seat_id", sa.BigInteger(), nullable=True),
        sa.Column("pack_id", sa.BigInteger(), nullable=True),
        sa.Column("session_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history")),
    )
    op.create_index("ix_history_guild_at", "history", ["guild_id", "at"], unique=False)

    op.create_table(
        "mentors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_held", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity BETWEEN 0 AND 100", name=op.f("ck_mentors_capacity_range")),
        sa.CheckConstraint("seats_held >= 0", name=op.f("ck_mentors_seats_held_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentors")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_mentors_guild_id_user_id")),
    )
    op.create_table(
        "seats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("student_id", sa.BigInteger(), nullable=False),
        sa.Column("student_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_packs", sa.Integer(), nullable=False),
        sa.Column("grace_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grace_period", sa.Integer(), nullable=False),
        sa.Column("final_warning_queued", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'grace' OR grace_ends_at IS NOT NULL", name=op.f("ck_seats_grace_has_deadline")
        ),
        sa.CheckConstraint(
            "status = 'grace' OR final_warning_queued = false", name=op.f("ck_seats_warning_only_in_grace")
        ),
        sa.CheckConstraint("status IN ('active', 'grace', 'released')", name=op.f("ck_seats_status_known")),
        sa.CheckConstraint("active_packs >= 0", name=op.f("ck_seats_active_packs_nonnegative")),
        sa.CheckConstraint("grace_period >= 0", name=op.f("ck_seats_grace_period_nonnegative")),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], name=op.f("fk_seats_mentor_id_mentors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seats")),
    )
    op.create_index("ix_seats_student_guild", "seats", ["student_id", "guild_id"], unique=False)
    # Partial indexes hold only the rows a query can find: a row leaves them when its status moves on.
    partial_index("uq_seats_live_mentor_student", "seats", ["mentor_id", "student_id"], LIVE, unique=True)
    partial_index("ix_seats_grace_ends_at", "seats", ["grace_ends_at"], "status = 'grace'")
    partial_index(
        "ix_seats_final_warning_due",
        "seats",
        ["grace_ends_at"],
        "status = 'grace'",
        unset="final_warning_queued",
    )
    partial_index("ix_seats_without_packs", "seats", ["id"], "status = 'active' AND active_packs = 0")

    op.create_table(
        "packs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("seat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sessions_total", sa.Integer(), nullable=False),
        sa.Column("sessions_left", sa.Integer(), nullable=False),
        sa.Column("sessions_booked", sa.Integer(), nullable=False),
        sa.Column("sessions_forfeited", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expiry_warned", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status <> 'active' OR sessions_left > 0", name=op.f("ck_packs_active_has_sessions")
        ),
        sa.CheckConstraint(
            "status <> 'depleted' OR sessions_left = 0", name=op.f("ck_packs_depleted_is_empty")
        ),
        sa.CheckConstraint("status IN ('active', 'depleted', 'expired')", name=op.f("ck_packs_status_known")),
        sa.CheckConstraint(
            "sessions_booked >= 0 AND sessions_booked <= sessions_left", name=op.f("ck_packs_booked_range")
        ),
        sa.CheckConstraint(
            "sessions_forfeited >= 0 AND sessions_left + sessions_forfeited <= sessions_total",
            name=op.f("ck_packs_forfeited_range"),
        ),
        sa.CheckConstraint(
            "sessions_left >= 0 AND sessions_left <= sessions_total", name=op.f("ck_packs_left_range")
        ),
        sa.CheckConstraint("sessions_total BETWEEN 1 AND 52", name=op.f("ck_packs_total_range")),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_packs_seat_id_seats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packs")),
        sa.UniqueConstraint("request_key", name=op.f("uq_packs_request_key")),
    )
    # With ends_at, "the seat's live packs" is found from the seat: without statistics SQLite would
    # otherwise pick (status, ends_at) and read every active pack of the program.
    op.create_index("ix_packs_seat_status_ends_at", "packs", ["seat_id", "status", "ends_at"], unique=False)
    partial_index("ix_packs_active_ends_at", "packs", ["ends_at"], "status = 'active'")
    partial_index(
        "ix_packs_expiry_warning_due", "packs", ["ends_at"], "status = 'active'", unset="expiry_warned"
    )

    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("seat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pack_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("reminder_queued", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("booking_key", sa.String(length=64), nullable=True),
        sa.Column("booked_by", sa.BigInteger(), nullable=True),
        sa.Column("completed_by", sa.BigInteger(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'completed' OR completed_at IS NOT NULL", name=op.f("ck_sessions_completed_has_time")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'completed', 'cancelled')", name=op.f("ck_sessions_status_known")
        ),
        sa.CheckConstraint("minutes BETWEEN 1 AND 1440", name=op.f("ck_sessions_minutes_range")),
        sa.ForeignKeyConstraint(["pack_id"], ["packs.id"], name=op.f("fk_sessions_pack_id_packs")),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_sessions_seat_id_seats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("request_key", name=op.f("uq_sessions_request_key")),
        sa.UniqueConstraint("booking_key", name=op.f("uq_sessions_booking_key")),
    )
    op.create_index("ix_sessions_pack", "sessions", ["pack_id"], unique=False)
    op.create_index(
        "ix_sessions_seat_status_starts_at", "sessions", ["seat_id", "status", "starts_at"], unique=False
    )
    partial_index(
        "ix_sessions_reminder_due", "sessions", ["starts_at"], "status = 'scheduled'", unset="reminder_queued"
    )
    partial_index(
        "ix_sessions_booked_guild_starts_at", "sessions", ["guild_id", "starts_at"], "status = 'scheduled'"
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("seat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("pack_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("seat_period", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped')", name=op.f("ck_notifications_status_known")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts_nonnegative")),
        sa.ForeignKeyConstraint(["pack_id"], ["packs.id"], name=op.f("fk_notifications_pack_id_packs")),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_notifications_seat_id_seats")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_notifications_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    partial_index("ix_notifications_pending", "notifications", ["next_attempt_at"], "status = 'pending'")


def downgrade() -> None:
    op.drop_index("ix_notifications_pending", table_name="notifications")

    op.drop_table("notifications")
    op.drop_index("ix_sessions_booked_guild_starts_at", table_name="sessions")
    op.drop_index("ix_sessions_reminder_due", table_name="sessions")
    op.drop_index("ix_sessions_seat_status_starts_at", table_name="sessions")
    op.drop_index("ix_sessions_pack", table_name="sessions")

    op.drop_table("sessions")
    op.drop_index("ix_packs_expiry_warning_due", table_name="packs")
    op.drop_index("ix_packs_active_ends_at", table_name="packs")
    op.drop_index("ix_packs_seat_status_ends_at", table_name="packs")

    op.drop_table("packs")
    for name in (
        "ix_seats_without_packs",
        "ix_seats_final_warning_due",
        "ix_seats_grace_ends_at",
        "uq_seats_live_mentor_student",
        "ix_seats_student_guild",
    ):
        op.drop_index(name, table_name="seats")

    op.drop_table("seats")
    op.drop_table("mentors")
    op.drop_index("ix_history_guild_at", table_name="history")

    op.drop_table("history")
    op.drop_table("bot_state")
