"""Purchases (R17): one row per entitlement for a server's renewal SKU, placed as a pack or kept
unplaced until an admin places it.

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "purchases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entitlement_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pack_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=True),
        sa.Column("placed_by", sa.BigInteger(), nullable=True),
        sa.Column("consumed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('placed', 'unplaced')", name=op.f("ck_purchases_status_known")),
        sa.CheckConstraint(
            "status <> 'placed' OR pack_id IS NOT NULL", name=op.f("ck_purchases_placed_has_pack")
        ),
        sa.ForeignKeyConstraint(["pack_id"], ["packs.id"], name=op.f("fk_purchases_pack_id_packs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("entitlement_id", name=op.f("uq_purchases_entitlement_id")),
    )
    op.create_index(
        "ix_purchases_unplaced_guild",
        "purchases",
        ["guild_id", "id"],
        unique=False,
        sqlite_where=sa.text("status = 'unplaced'"),
        postgresql_where=sa.text("status = 'unplaced'"),
    )


def downgrade() -> None:
    op.drop_index("ix_purchases_unplaced_guild", table_name="purchases")
    op.drop_table("purchases")
