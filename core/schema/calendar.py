"""Calendar feeds (R22): the hash of each person's private calendar address (``core.calendar``)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import String, Table
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Snowflake


class CalendarFeed(Base):
    """R22: a person's private calendar address, one per Discord user (the feed spans every server).

    Only the SHA-256 of the token is kept: the address cannot be read back from the database, and
    ``/calendar reset`` replaces the hash, so the old address stops at once."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    # Hex SHA-256 of the token's text; the feed is found by it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


calendar_feeds = cast(Table, CalendarFeed.__table__)
