"""Server settings (R14) and members' time zones (R15); room in the status checks for what later
rules need: seats ``offered`` (R19), packs ``revoked`` (R16), sessions ``voided`` (R16),
``late_cancelled`` and ``no_show`` (R18).

The status checks only grow: every stored row still satisfies the wider check. PostgreSQL swaps the
constraint. SQLite cannot alter a CHECK constraint; recreating the tables would have to drop tables
that other tables' foreign keys point at, so the table's SQL text is edited in place instead, the
procedure SQLite documents for changes that leave the stored rows as they are ("ALTER TABLE", section
"Making Other Kinds Of Table Schema Changes"), with the schema version bumped so every connection
reloads it.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.schema import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (statuses before, statuses after)
STATUSES = {
    "seats": (("active", "grace", "released"), ("active", "grace", "offered", "released")),
    "packs": (("active", "depleted", "expired"), ("active", "depleted", "expired", "revoked")),
    "sessions": (
        ("scheduled", "completed", "cancelled"),
        ("scheduled", "completed", "cancelled", "late_cancelled", "no_show", "voided"),
    ),
}


def _check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def _swap_status_checks(backwards: bool) -> None:
    bind = op.get_bind()
    for table, (before, after) in STATUSES.items():
        old, new = (_check(after), _check(before)) if backwards else (_check(before), _check(after))
        name = f"ck_{table}_status_known"
        if bind.dialect.name == "postgresql":
            op.drop_constraint(op.f(name), table, type_="check")
            op.create_check_constraint(op.f(name), table, new)
            continue
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
        bind.exec_driver_sql("PRAGMA writable_schema=ON")
        changed = bind.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = :table AND instr(sql, :old) > 0"
            ),
            {"old": old, "new": new, "table": table},
        ).rowcount
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
        if changed != 1:
            raise RuntimeError(f"{table}: the status check {old!r} was not found in its SQL")


def upgrade() -> None:
    op.create_table(
        "server_settings",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "name", name=op.f("pk_server_settings")),
    )
    op.create_table(
        "member_time_zones",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_time_zones")),
    )
    _swap_status_checks(backwards=False)


def downgrade() -> None:
    _swap_status_checks(backwards=True)
    op.drop_table("member_time_zones")
    op.drop_table("server_settings")
