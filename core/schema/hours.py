"""Mentors' hours (R21): weekly windows, days off and per-mentor booking rules (``core.hours`` reads
and writes them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.bounds import (
    MAX_BUFFER_MINUTES,
    MAX_DAILY_MAX,
    MAX_HORIZON_DAYS,
    MAX_NOTICE_HOURS,
    MAX_SESSION_MINUTES,
    MIN_BUFFER_MINUTES,
    MIN_DAILY_MAX,
    MIN_HORIZON_DAYS,
    MIN_NOTICE_HOURS,
    MIN_SESSION_MINUTES,
)
from core.schema.base import Base, Id, Snowflake


class HoursWindow(Base):
    """R21: one weekly window in which a mentor takes bookings, as wall-clock minutes in their own
    zone (read at each booking, so 18:00 stays 18:00 across daylight saving). A mentor's windows never
    overlap (checked by ``core.hours`` under the mentor's row lock); the unique key is also how a
    mentor's windows are read, in order."""

    __tablename__ = "hours_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="minutes_range"
        ),
        UniqueConstraint("mentor_id", "weekday", "start_minute"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"))
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday
    start_minute: Mapped[int]  # minutes after local midnight
    end_minute: Mapped[int]  # 1440: until midnight
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(Snowflake)


class HoursDaysOff(Base):
    """R21: whole days (local dates in the mentor's zone) on which a mentor takes no booking."""

    __tablename__ = "hours_days_off"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_in_order"),
        # The days off still ahead of a mentor.
        Index("ix_hours_days_off_mentor_id_last_day", "mentor_id", "last_day"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    created_by: Mapped[int] = mapped_column(Snowflake)


class HoursRules(Base):
    """R21: how a mentor is booked; NULL is the default (length 60, buffer 0, no cap; notice and
    horizon: the server's ``MIN_NOTICE_HOURS`` and ``BOOKING_HORIZON_DAYS``)."""

    __tablename__ = "hours_rules"
    __table_args__ = (
        CheckConstraint(
            f"length_minutes BETWEEN {MIN_SESSION_MINUTES} AND {MAX_SESSION_MINUTES}", name="length_range"
        ),
        CheckConstraint(
            f"buffer_minutes BETWEEN {MIN_BUFFER_MINUTES} AND {MAX_BUFFER_MINUTES}", name="buffer_range"
        ),
        CheckConstraint(
            f"notice_hours BETWEEN {MIN_NOTICE_HOURS} AND {MAX_NOTICE_HOURS}", name="notice_range"
        ),
        CheckConstraint(f"daily_max BETWEEN {MIN_DAILY_MAX} AND {MAX_DAILY_MAX}", name="daily_max_range"),
        CheckConstraint(
            f"horizon_days BETWEEN {MIN_HORIZON_DAYS} AND {MAX_HORIZON_DAYS}", name="horizon_range"
        ),
    )

    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    length_minutes: Mapped[int | None]
    buffer_minutes: Mapped[int | None]
    notice_hours: Mapped[int | None]
    daily_max: Mapped[int | None]
    horizon_days: Mapped[int | None]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int] = mapped_column(Snowflake)


hours_windows = cast(Table, HoursWindow.__table__)
hours_days_off = cast(Table, HoursDaysOff.__table__)
hours_rules = cast(Table, HoursRules.__table__)
