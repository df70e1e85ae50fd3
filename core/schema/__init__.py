"""The database schema: typed SQLAlchemy models, one module per part of the program, and the tables
the use cases read and write with SQLAlchemy Core statements.

``base`` (the column types, ``Base`` and its ``metadata``, partial indexes), ``program`` (mentors,
seats, packs, sessions), ``records`` (the outbox, history, server settings, members' zones, bot state),
``arrivals`` (purchases, the waitlist), ``hours`` (mentors' hours) and ``calendar`` (calendar feeds).
Importing this package loads every model, so ``metadata`` holds every table (the migrations are
compared against it).
"""

from core.schema.arrivals import IN_LINE, IN_LINE_SQL, purchases, stripe_refunds, waitlist
from core.schema.base import Base, Id, Snowflake, UTCDateTime, metadata, partial_index, sql
from core.schema.calendar import calendar_feeds
from core.schema.hours import hours_days_off, hours_rules, hours_windows
from core.schema.program import (
    LIVE_SEAT,
    LIVE_SEAT_SQL,
    OFFERED_SEAT,
    OFFERED_SEAT_SQL,
    mentors,
    packs,
    seats,
    sessions,
    with_people,
)
from core.schema.records import (
    bot_state,
    history,
    member_locales,
    member_time_zones,
    notifications,
    server_settings,
)

__all__ = [
    "IN_LINE",
    "IN_LINE_SQL",
    "LIVE_SEAT",
    "LIVE_SEAT_SQL",
    "OFFERED_SEAT",
    "OFFERED_SEAT_SQL",
    "Base",
    "Id",
    "Snowflake",
    "UTCDateTime",
    "bot_state",
    "calendar_feeds",
    "history",
    "hours_days_off",
    "hours_rules",
    "hours_windows",
    "member_locales",
    "member_time_zones",
    "mentors",
    "metadata",
    "notifications",
    "packs",
    "partial_index",
    "purchases",
    "seats",
    "server_settings",
    "sessions",
    "sql",
    "stripe_refunds",
    "waitlist",
    "with_people",
]
