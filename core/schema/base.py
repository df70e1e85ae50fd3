"""What every table is built from: the instant type (``UTCDateTime``), the id and snowflake columns,
the declarative ``Base`` whose ``metadata`` holds every table (with the constraint naming the
migrations use), partial indexes (``partial_index``) and statuses written as SQL constants (``sql``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite; always aware UTC in Python.

    Storing UTC everywhere keeps SQLite's text comparisons in time order.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Integer primary keys are SQLite rowids; BIGINT identities on PostgreSQL.
Id = BigInteger().with_variant(Integer(), "sqlite")
# Discord snowflakes are 64-bit.
Snowflake = BigInteger

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), int: Integer(), str: String()}


metadata = Base.metadata


def partial_index(
    name: str, *columns: str, where: str, unset: tuple[str, ...] = (), unique: bool = False
) -> Index:
    """An index over only the rows ``where`` picks (and whose ``unset`` flags are false).

    A row leaves such an index when its status moves on, instead of moving to another part of it:
    the sweep's indexes hold only what can still fall due. Queries name the same constants
    (``core.schema.sql``) rather than parameters: PostgreSQL's generic plans cannot match a parameter
    to an index predicate.
    """
    sqlite = " AND ".join([where, *(f"{flag} = 0" for flag in unset)])
    postgres = " AND ".join([where, *(f"{flag} = false" for flag in unset)])
    return Index(name, *columns, unique=unique, sqlite_where=text(sqlite), postgresql_where=text(postgres))


def sql(value: str) -> ColumnElement[str]:
    """A status written into the SQL as a constant, so the planner can match a partial index."""
    return literal_column(f"'{value}'", String())
