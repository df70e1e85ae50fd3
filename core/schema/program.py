"""The program's own tables: mentors, their seats, the packs on a seat and the sessions taken from a
pack (R1-R10, R16, R22), with the conditions of their partial indexes for the queries that must use
them (``LIVE_SEAT``, ``OFFERED_SEAT``) and the join to a pack's or session's people (``with_people``).

The database refuses bad states itself: CHECK constraints keep every counter in range (sessions left
between 0 and the pack's total, booked sessions never more than those left), and a partial unique
index allows one live seat per (mentor, student).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.bounds import MAX_PACK_SESSIONS, MAX_SEATS, MIN_PACK_SESSIONS, MIN_SEATS
from core.schema.base import Base, Id, Snowflake, partial_index, sql

LIVE_SEAT_SQL = "status IN ('active', 'grace')"
OFFERED_SEAT_SQL = "status = 'offered'"


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
        partial_index(
            "uq_seats_live_mentor_student", "mentor_id", "student_id", where=LIVE_SEAT_SQL, unique=True
        ),
        Index("ix_seats_student_guild", "student_id", "guild_id"),
        # What the sweep can find due: grace ends, final warnings, seats whose packs all expired.
        partial_index("ix_seats_grace_ends_at", "grace_ends_at", where="status = 'grace'"),
        partial_index(
            "ix_seats_final_warning_due",
            "final_warning_at",
            where="status = 'grace'",
            unset=("final_warning_queued",),
        ),
        partial_index("ix_seats_without_packs", "id", where="status = 'active' AND active_packs = 0"),
        # R19: one offer per (mentor, student) at a time; and the holds the sweep lets run out.
        partial_index(
            "uq_seats_offered_mentor_student", "mentor_id", "student_id", where=OFFERED_SEAT_SQL, unique=True
        ),
        partial_index("ix_seats_offer_ends_at", "offer_ends_at", where=OFFERED_SEAT_SQL),
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
        partial_index("ix_packs_active_ends_at", "ends_at", where="status = 'active'"),
        partial_index(
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
        partial_index(
            "ix_sessions_reminder_due",
            "reminder_at",
            where="status = 'scheduled'",
            unset=("reminder_queued",),
        ),
        # Autocomplete lists a server's booked sessions, soonest first.
        partial_index(
            "ix_sessions_booked_guild_starts_at", "guild_id", "starts_at", where="status = 'scheduled'"
        ),
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


mentors = cast(Table, Mentor.__table__)
seats = cast(Table, Seat.__table__)
packs = cast(Table, Pack.__table__)
sessions = cast(Table, Session.__table__)


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
