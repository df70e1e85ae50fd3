"""The database schema: typed SQLAlchemy models for mentors, seats, packs, sessions, the notification
outbox, history and bot state.

The database itself refuses bad states: CHECK constraints keep every counter in range (sessions left
between 0 and the pack's total, booked sessions never more than those left), a partial unique index
allows one live seat per (mentor, student), notification keys are unique, and foreign keys tie
everything to its seat. Use cases read and write these tables with SQLAlchemy Core statements.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.bounds import (
    MAX_BUFFER_MINUTES,
    MAX_HORIZON_DAYS,
    MAX_NOTICE_HOURS,
    MAX_PACK_SESSIONS,
    MAX_SEATS,
    MAX_SESSION_MINUTES,
    MIN_BUFFER_MINUTES,
    MIN_HORIZON_DAYS,
    MIN_NOTICE_HOURS,
    MIN_PACK_SESSIONS,
    MIN_SEATS,
    MIN_SESSION_MINUTES,
)


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


def _partial(
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


LIVE_SEAT_SQL = "status IN ('active', 'grace')"
OFFERED_SEAT_SQL = "status = 'offered'"
# A waitlist entry still in line: waiting, or holding an offer (R19).
IN_LINE_SQL = "status IN ('waiting', 'offered')"


class Mentor(Base):
    __tablename__ = "mentors"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id"),
        CheckConstraint(f"capacity BETWEEN {MIN_SEATS} AND {MAX_SEATS}", name="capacity_range"),
        CheckConstraint("seats_held >= 0", name="seats_held_nonnegative"),
        # A person's sessions as a mentor in every server (their calendar feed, R22).
        Index("ix_mentors_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    capacity: Mapped[int]
    # Seats in 'active', 'grace' or 'offered' (R19); reserved and freed with conditional updates, so concurrent grants
    # can never take more seats than the capacity.
    seats_held: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # R16: /mentor remove keeps the row (released seats and history point at it); /mentor add clears it.
    removed_at: Mapped[datetime | None]


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'grace', 'offered', 'released')", name="status_known"),
        CheckConstraint("status <> 'grace' OR grace_ends_at IS NOT NULL", name="grace_has_deadline"),
        CheckConstraint("status = 'grace' OR final_warning_queued = false", name="warning_only_in_grace"),
        CheckConstraint("active_packs >= 0", name="active_packs_nonnegative"),
        CheckConstraint("grace_period >= 0", name="grace_period_nonnegative"),
        # One live seat per (mentor, student); released seats stay as history. Also a mentor's roster.
        _partial("uq_seats_live_mentor_student", "mentor_id", "student_id", where=LIVE_SEAT_SQL, unique=True),
        Index("ix_seats_student_guild", "student_id", "guild_id"),
        # What the sweep can find due: grace ends, final warnings, seats whose packs all expired.
        _partial("ix_seats_grace_ends_at", "grace_ends_at", where="status = 'grace'"),
        _partial(
            "ix_seats_final_warning_due",
            "final_warning_at",
            where="status = 'grace'",
            unset=("final_warning_queued",),
        ),
        _partial("ix_seats_without_packs", "id", where="status = 'active' AND active_packs = 0"),
        # R19: one offer per (mentor, student) at a time; and the holds the sweep lets run out.
        _partial(
            "uq_seats_offered_mentor_student", "mentor_id", "student_id", where=OFFERED_SEAT_SQL, unique=True
        ),
        _partial("ix_seats_offer_ends_at", "offer_ends_at", where=OFFERED_SEAT_SQL),
        # Every seat a mentor ever held, released ones too (their calendar feed, R22).
        Index("ix_seats_mentor_id", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"))
    student_id: Mapped[int] = mapped_column(Snowflake)
    student_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16))
    # Packs on this seat still 'active'; at 0 with the seat active, every pack has expired (R9).
    active_packs: Mapped[int] = mapped_column(default=0)
    grace_ends_at: Mapped[datetime | None]
    # Counts grace periods, so each period's final warning has its own notification key (R7).
    grace_period: Mapped[int] = mapped_column(default=0)
    # When this grace period's final warning falls due (R7), set with the deadline: a later change of
    # the policy numbers leaves a running grace as it was.
    final_warning_at: Mapped[datetime | None]
    final_warning_queued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # R19: while the seat is 'offered', when the hold runs out (set from offer_hours when offered).
    offer_ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class Pack(Base):
    __tablename__ = "packs"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'depleted', 'expired', 'revoked')", name="status_known"),
        CheckConstraint(
            f"sessions_total BETWEEN {MIN_PACK_SESSIONS} AND {MAX_PACK_SESSIONS}", name="total_range"
        ),
        CheckConstraint("sessions_left >= 0 AND sessions_left <= sessions_total", name="left_range"),
        CheckConstraint("sessions_booked >= 0 AND sessions_booked <= sessions_left", name="booked_range"),
        CheckConstraint(
            "sessions_forfeited >= 0 AND sessions_left + sessions_forfeited <= sessions_total",
            name="forfeited_range",
        ),
        CheckConstraint("status <> 'depleted' OR sessions_left = 0", name="depleted_is_empty"),
        CheckConstraint("status <> 'active' OR sessions_left > 0", name="active_has_sessions"),
        # With ends_at, a seat's live packs are found from the seat, never from every active pack
        # (SQLite, without statistics, would otherwise prefer (status, ends_at)).
        Index("ix_packs_seat_status_ends_at", "seat_id", "status", "ends_at"),
        _partial("ix_packs_active_ends_at", "ends_at", where="status = 'active'"),
        _partial(
            "ix_packs_expiry_warning_due",
            "expiry_warning_at",
            where="status = 'active'",
            unset=("expiry_warned",),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    sessions_total: Mapped[int]
    sessions_left: Mapped[int]
    # Scheduled sessions booked on this pack; "unbooked" = left - booked (R3, R10).
    sessions_booked: Mapped[int] = mapped_column(default=0)
    # Sessions lost when the pack expired (R8): recorded, not deleted.
    sessions_forfeited: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # When its expiry warning falls due (R8), set at the grant.
    expiry_warning_at: Mapped[datetime | None]
    expiry_warned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    granted_by: Mapped[int] = mapped_column(Snowflake)
    closed_at: Mapped[datetime | None]
    # The request that granted it; the same request repeated finds this pack instead of another.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The request that last extended it (R16): the same request repeated extends once.
    extend_key: Mapped[str | None] = mapped_column(String(64))


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('scheduled', 'completed', 'cancelled', 'late_cancelled', 'no_show', 'voided')",
            name="status_known",
        ),
        CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_has_time"),
        CheckConstraint("minutes BETWEEN 1 AND 1440", name="minutes_range"),
        Index("ix_sessions_seat_status_starts_at", "seat_id", "status", "starts_at"),
        Index("ix_sessions_pack", "pack_id"),
        _partial(
            "ix_sessions_reminder_due",
            "reminder_at",
            where="status = 'scheduled'",
            unset=("reminder_queued",),
        ),
        # Autocomplete lists a server's booked sessions, soonest first.
        _partial("ix_sessions_booked_guild_starts_at", "guild_id", "starts_at", where="status = 'scheduled'"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"))
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(default=60)
    # R4: the pack's completed-session count after this one.
    number: Mapped[int | None]
    # When its reminder falls due (R10), set at the booking.
    reminder_at: Mapped[datetime | None]
    reminder_queued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The request that recorded an unscheduled session; a repeat of the same request finds it.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The request that booked it (likewise, for /schedule).
    booking_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    booked_by: Mapped[int | None] = mapped_column(Snowflake)
    completed_by: Mapped[int | None] = mapped_column(Snowflake)
    completed_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(Snowflake)
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # R16: a completion reverted keeps its row, with who reverted it, when and why.
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[int | None] = mapped_column(Snowflake)
    void_reason: Mapped[str | None] = mapped_column(Text)
    # R22: raised each time the session moves, so calendars that subscribed take the new time
    # (the feed's SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class Notification(Base):
    """The outbox: a DM the bot owes, written in the transaction of the change that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'dropped')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        _partial("ix_notifications_pending", "next_attempt_at", where="status = 'pending'"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    # kind + what it is about + period: the same fact never queues two DMs.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[int] = mapped_column(Snowflake)
    # The mentor to tell when the student cannot be reached.
    mentor_user_id: Mapped[int | None] = mapped_column(Snowflake)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"))
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    seat_period: Mapped[int | None]
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    # When a worker may next try it. A claim pushes it forward (the lease) and bumps lease_token.
    next_attempt_at: Mapped[datetime]
    lease_token: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class History(Base):
    """R13: who did what, when. ``actor_id`` is the Discord user; NULL when the bot's sweep did it."""

    __tablename__ = "history"
    __table_args__ = (
        Index("ix_history_guild_at", "guild_id", "at"),
        # A seat's last changes, newest first (/student).
        Index("ix_history_seat_id_at", "seat_id", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(Snowflake)
    action: Mapped[str] = mapped_column(String(40))
    seat_id: Mapped[int | None] = mapped_column(BigInteger)
    pack_id: Mapped[int | None] = mapped_column(BigInteger)
    session_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(Text, default="")


class ServerSettingValue(Base):
    """R14: a value one server set for one of the settings marked *server*, as the text it was given
    (``core.config.SERVER_SETTINGS`` reads it). A server that set nothing runs on the environment."""

    __tablename__ = "server_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int] = mapped_column(Snowflake)
    updated_at: Mapped[datetime]


class MemberTimeZone(Base):
    """R15: the time zone a person chose with ``/timezone`` (an IANA name); theirs in every server."""

    __tablename__ = "member_time_zones"

    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Purchase(Base):
    """R17: one entitlement for a server's renewal SKU, keyed by the entitlement id, so the same
    purchase delivered twice, read again or seen by two processes is recorded once. It is placed as a
    pack (``pack_id``) in the transaction that records it, or kept unplaced until ``/pack grant``
    names it. ``consumed_at``: when Discord accepted the consume (after the commit)."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("status IN ('placed', 'unplaced')", name="status_known"),
        CheckConstraint("status <> 'placed' OR pack_id IS NOT NULL", name="placed_has_pack"),
        _partial("ix_purchases_unplaced_guild", "guild_id", "id", where="status = 'unplaced'"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    entitlement_id: Mapped[int] = mapped_column(Snowflake, unique=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    sku_id: Mapped[int] = mapped_column(Snowflake)
    status: Mapped[str] = mapped_column(String(16))
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id"))
    created_at: Mapped[datetime]
    placed_at: Mapped[datetime | None]
    # Who placed it: the buyer (placed on arrival) or the admin who named it in /pack grant.
    placed_by: Mapped[int | None] = mapped_column(Snowflake)
    consumed_at: Mapped[datetime | None]


class WaitlistEntry(Base):
    """R19: a student waiting for a seat with one mentor. The line's order is the id (who joined first).

    ``waiting`` → ``offered`` (a seat is held for them: ``seat_id``) → ``seated`` (a grant took it),
    ``declined`` or ``lapsed`` (the hold ran out); ``waiting`` or ``offered`` → ``left``
    (``/waitlist leave``); ``waiting`` → ``seated`` when a grant gives them a seat directly.
    """

    __tablename__ = "waitlist"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'offered', 'seated', 'declined', 'lapsed', 'left')", name="status_known"
        ),
        CheckConstraint("status <> 'offered' OR seat_id IS NOT NULL", name="offer_has_seat"),
        # One place in a mentor's line per student; past entries stay as history.
        _partial(
            "uq_waitlist_in_line_mentor_student", "mentor_id", "student_id", where=IN_LINE_SQL, unique=True
        ),
        # The next in line for a mentor.
        _partial("ix_waitlist_waiting_mentor", "mentor_id", "id", where="status = 'waiting'"),
        Index("ix_waitlist_student_guild", "student_id", "guild_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"))
    student_id: Mapped[int] = mapped_column(Snowflake)
    student_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id"))
    joined_at: Mapped[datetime]
    # When the student pressed Accept on their offer (the admins are told once).
    accepted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class BotState(Base):
    """Small facts the bot keeps between runs (the hash of the last synced command tree)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


def sql(value: str) -> ColumnElement[str]:
    """A status written into the SQL as a constant, so the planner can match a partial index."""
    return literal_column(f"'{value}'", String())


metadata = Base.metadata
# Use cases work with the tables (SQLAlchemy Core): one compiled, cached statement per step.
mentors = cast(Table, Mentor.__table__)
seats = cast(Table, Seat.__table__)
packs = cast(Table, Pack.__table__)
sessions = cast(Table, Session.__table__)
notifications = cast(Table, Notification.__table__)
history = cast(Table, History.__table__)
bot_state = cast(Table, BotState.__table__)
server_settings = cast(Table, ServerSettingValue.__table__)
member_time_zones = cast(Table, MemberTimeZone.__table__)
purchases = cast(Table, Purchase.__table__)
waitlist = cast(Table, WaitlistEntry.__table__)


def with_people(of: Table, *columns: Any) -> Select[Any]:
    """``columns`` of a pack or session (``of``), with its seat's student and mentor user ids."""
    return (
        select(*columns, seats.c.student_id, seats.c.student_name, mentors.c.user_id.label("mentor_user_id"))
        .join_from(of, seats, seats.c.id == of.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
    )


# The conditions the partial indexes are made of, for queries that must use them.
LIVE_SEAT = seats.c.status.in_([sql("active"), sql("grace")])
OFFERED_SEAT = seats.c.status == sql("offered")
IN_LINE = waitlist.c.status.in_([sql("waiting"), sql("offered")])


# ---- R21: mentors' hours ---------------------------------------------------------------------------
# Bounds of the booking rules (``core.hours`` reads them; the session length's are ``core.bounds``').
MIN_DAILY_MAX, MAX_DAILY_MAX = 0, 96  # 0: no cap; 96 sessions of 15 minutes fill a day


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
