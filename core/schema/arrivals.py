"""How a student comes to a seat besides an admin's grant: a purchase (R17, R23), placed as a pack or
kept unplaced; a Stripe refund, kept until its checkout arrives (R23); and a place in a mentor's
waitlist (R19), with the condition of its partial index (``IN_LINE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Id, Snowflake, partial_index, sql

# A waitlist entry still in line: waiting, or holding an offer (R19).
IN_LINE_SQL = "status IN ('waiting', 'offered')"


class Purchase(Base):
    """R17: one entitlement for a server's renewal SKU, keyed by the entitlement id; or R23: one paid
    Stripe checkout, keyed by the checkout session id. Either way the same purchase delivered twice,
    read again or seen by two processes is recorded once. It is placed as a pack (``pack_id``) in the
    transaction that records it, or kept unplaced until ``/pack grant`` names it; ``refunded``: a
    Stripe refund took it back (its pack revoked, or never placed). ``consumed_at``: when Discord
    accepted the consume (after the commit). A Stripe buyer may be unknown (``user_id`` None: the
    payment named no member of the server); ``email`` is what Stripe says of them."""

    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint("status IN ('placed', 'unplaced', 'refunded')", name="status_known"),
        CheckConstraint("status <> 'placed' OR pack_id IS NOT NULL", name="placed_has_pack"),
        CheckConstraint("entitlement_id IS NOT NULL OR checkout_id IS NOT NULL", name="keyed"),
        partial_index("ix_purchases_unplaced_guild", "guild_id", "id", where="status = 'unplaced'"),
        Index("ix_purchases_payment_intent", "payment_intent"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    entitlement_id: Mapped[int | None] = mapped_column(Snowflake, unique=True)
    # R23: the Stripe checkout session (``cs_…``) and its payment intent (``pi_…``, what a refund names).
    checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int | None] = mapped_column(Snowflake)
    sku_id: Mapped[int | None] = mapped_column(Snowflake)
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
        partial_index(
            "uq_waitlist_in_line_mentor_student", "mentor_id", "student_id", where=IN_LINE_SQL, unique=True
        ),
        # The next in line for a mentor.
        partial_index("ix_waitlist_waiting_mentor", "mentor_id", "id", where="status = 'waiting'"),
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


class StripeRefund(Base):
    """R23: a ``charge.refunded`` as Stripe last reported it, keyed by the charge. Kept when it comes
    before its checkout (Stripe does not promise order), and applied when the checkout arrives
    (``applied_at``); ``full``: the whole amount was refunded."""

    __tablename__ = "stripe_refunds"
    __table_args__ = (Index("ix_stripe_refunds_payment_intent", "payment_intent"),)

    charge_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    payment_intent: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    amount_refunded: Mapped[int] = mapped_column(BigInteger)
    full: Mapped[bool]
    received_at: Mapped[datetime]
    applied_at: Mapped[datetime | None]


purchases = cast(Table, Purchase.__table__)
stripe_refunds = cast(Table, StripeRefund.__table__)
waitlist = cast(Table, WaitlistEntry.__table__)

IN_LINE = waitlist.c.status.in_([sql("waiting"), sql("offered")])
