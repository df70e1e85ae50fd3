"""Stripe purchases (R23): a purchase is an entitlement (R17) or a paid checkout, so ``purchases`` gains
``checkout_id`` (unique), ``payment_intent`` (what a refund names, indexed) and ``email``; the
entitlement, SKU and buyer become optional (a payment may name no member); a purchase may be
``refunded``. Table ``stripe_refunds`` keeps a refund that arrives before its checkout.

SQLite cannot change a column's NOT NULL or a CHECK in place: the table is rebuilt (batch mode) from
its full definition here, so its constraints are kept; the partial index is dropped before and made
again after.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

from core.schema import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNPLACED = sa.text("status = 'unplaced'")


def _purchases(*, stripe: bool) -> sa.Table:
    """``purchases`` as it stands before (``stripe`` False) or after this revision."""
    columns: list[SchemaItem] = [
        sa.Column("id", ID, nullable=False),
        sa.Column("entitlement_id", sa.BigInteger(), nullable=stripe),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=stripe),
        sa.Column("sku_id", sa.BigInteger(), nullable=stripe),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pack_id", ID, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=True),
        sa.Column("placed_by", sa.BigInteger(), nullable=True),
        sa.Column("consumed_at", UTCDateTime(), nullable=True),
    ]
    statuses = "('placed', 'unplaced', 'refunded')" if stripe else "('placed', 'unplaced')"
    constraints: list[SchemaItem] = [
        sa.CheckConstraint(f"status IN {statuses}", name=op.f("ck_purchases_status_known")),
        sa.CheckConstraint(
            "status <> 'placed' OR pack_id IS NOT NULL", name=op.f("ck_purchases_placed_has_pack")
        ),
        sa.ForeignKeyConstraint(["pack_id"], ["packs.id"], name=op.f("fk_purchases_pack_id_packs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("entitlement_id", name=op.f("uq_purchases_entitlement_id")),
    ]
    if stripe:
        columns += [
            sa.Column("checkout_id", sa.String(255), nullable=True),
            sa.Column("payment_intent", sa.String(255), nullable=True),
            sa.Column("email", sa.String(320), nullable=True),
        ]
        constraints += [
            sa.CheckConstraint(
                "entitlement_id IS NOT NULL OR checkout_id IS NOT NULL", name=op.f("ck_purchases_keyed")
            ),
            sa.UniqueConstraint("checkout_id", name=op.f("uq_purchases_checkout_id")),
        ]
    return sa.Table("purchases", sa.MetaData(), *columns, *constraints)


def upgrade() -> None:
    op.drop_index("ix_purchases_unplaced_guild", table_name="purchases")
    with op.batch_alter_table("purchases", copy_from=_purchases(stripe=False), recreate="auto") as batch:
        batch.add_column(sa.Column("checkout_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("payment_intent", sa.String(255), nullable=True))
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
        for column in ("entitlement_id", "user_id", "sku_id"):
            batch.alter_column(column, existing_type=sa.BigInteger(), nullable=True)
        batch.drop_constraint(op.f("ck_purchases_status_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_purchases_status_known"), "status IN ('placed', 'unplaced', 'refunded')"
        )
        batch.create_check_constraint(
            op.f("ck_purchases_keyed"), "entitlement_id IS NOT NULL OR checkout_id IS NOT NULL"
        )
        batch.create_unique_constraint(op.f("uq_purchases_checkout_id"), ["checkout_id"])
    op.create_index(
        "ix_purchases_unplaced_guild",
        "purchases",
        ["guild_id", "id"],
        unique=False,
        sqlite_where=UNPLACED,
        postgresql_where=UNPLACED,
    )
    op.create_index("ix_purchases_payment_intent", "purchases", ["payment_intent"])
    op.create_table(
        "stripe_refunds",
        sa.Column("charge_id", sa.String(255), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_intent", sa.String(255), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("charge_id", name=op.f("pk_stripe_refunds")),
    )
    op.create_index("ix_stripe_refunds_payment_intent", "stripe_refunds", ["payment_intent"])


def downgrade() -> None:
    op.drop_index("ix_stripe_refunds_payment_intent", table_name="stripe_refunds")
    op.drop_table("stripe_refunds")
    op.drop_index("ix_purchases_payment_intent", table_name="purchases")
    op.drop_index("ix_purchases_unplaced_guild", table_name="purchases")
    op.execute("DELETE FROM purchases WHERE entitlement_id IS NULL OR status = 'refunded'")
    with op.batch_alter_table("purchases", copy_from=_purchases(stripe=True), recreate="auto") as batch:
        batch.drop_constraint(op.f("uq_purchases_checkout_id"), type_="unique")
        batch.drop_constraint(op.f("ck_purchases_keyed"), type_="check")
        batch.drop_constraint(op.f("ck_purchases_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_purchases_status_known"), "status IN ('placed', 'unplaced')")
        for column in ("entitlement_id", "user_id", "sku_id"):
            batch.alter_column(column, existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("email")
        batch.drop_column("payment_intent")
        batch.drop_column("checkout_id")
    op.create_index(
        "ix_purchases_unplaced_guild",
        "purchases",
        ["guild_id", "id"],
        unique=False,
        sqlite_where=UNPLACED,
        postgresql_where=UNPLACED,
    )
