"""What the bot keeps beside the program: the DMs it owes (the outbox, ``notifications``), who did what
(``history``, R13), each server's own settings (R14), each member's time zone (R15) and language (R25), and the bot's
own small facts (``bot_state``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Id, Snowflake, partial_index


class Notification(Base):
    """The outbox: a DM the bot owes, written in the transaction of the change that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'dropped')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        partial_index("ix_notifications_pending", "next_attempt_at", where="status = 'pending'"),
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
    # What the text is made of (``core.texts.Deferred``, JSON): written again with the clock of the
    # moment it is sent. NULL: ``body`` is the text, fixed when queued.
    params: Mapped[str | None] = mapped_column(Text)


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
    (``core.registry.SERVER_SETTINGS`` reads it). A server that set nothing runs on the environment."""

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


class MemberLocale(Base):
    """R25: the Discord language a member last used in a server ("es-419", "pt-BR"): their DMs are
    written in it. Written only when it changes."""

    __tablename__ = "member_locales"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class BotState(Base):
    """Small facts the bot keeps between runs (the hash of the last synced command tree)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


notifications = cast(Table, Notification.__table__)
history = cast(Table, History.__table__)
server_settings = cast(Table, ServerSettingValue.__table__)
member_time_zones = cast(Table, MemberTimeZone.__table__)
member_locales = cast(Table, MemberLocale.__table__)
bot_state = cast(Table, BotState.__table__)
