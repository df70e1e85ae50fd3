"""The program's words and its tiny pure rules: statuses, notification kinds and the sets of them,
one server's settings (``Policy``), who acts (``Actor``), the constants of the rules, and the rules
that need no database (a session's number, the renewal DM owed, who is an admin, a reason given).

Standard library only (and ``core.errors``, for the refusals those rules raise). Storage
(``core.schema``), the features (``core.sessions`` …) and the sweep (``core.sweep``) build on these;
nothing here touches a database or the clock. What a use case returns lives with its feature
(``core.<feature>.results``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from core.errors import InvalidInput, NotAllowed


class SeatStatus(StrEnum):
    ACTIVE = "active"
    GRACE = "grace"
    OFFERED = "offered"  # held for a student from the waitlist (R19)
    RELEASED = "released"


class PackStatus(StrEnum):
    ACTIVE = "active"
    DEPLETED = "depleted"
    EXPIRED = "expired"
    REVOKED = "revoked"  # refunded (R16)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"  # by the student, too close to the start: takes the session (R18)
    NO_SHOW = "no_show"  # R18
    VOIDED = "voided"  # a completion reverted (R16)


class WaitlistStatus(StrEnum):
    """A place in a mentor's line (R19)."""

    WAITING = "waiting"
    OFFERED = "offered"  # a seat is held for them
    SEATED = "seated"  # a grant gave them a seat
    DECLINED = "declined"
    LAPSED = "lapsed"  # the hold ran out
    LEFT = "left"  # /waitlist leave


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


class NotificationKind(StrEnum):
    ONE_LEFT = "one_left"
    PACK_COMPLETE = "pack_complete"
    FINAL_WARNING = "final_warning"
    SEAT_RELEASED = "seat_released"
    EXPIRY_WARNING = "expiry_warning"
    SESSION_BOOKED = "session_booked"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_REMINDER = "session_reminder"
    # R21: a session moved to another time (``/reschedule``), to the student.
    SESSION_MOVED = "session_moved"
    # R21, to the mentor, when the student booked, moved or cancelled; and the mentor's reminder.
    SESSION_BOOKED_MENTOR = "session_booked_mentor"
    SESSION_MOVED_MENTOR = "session_moved_mentor"
    SESSION_CANCELLED_MENTOR = "session_cancelled_mentor"
    SESSION_REMINDER_MENTOR = "session_reminder_mentor"
    NO_SHOW = "no_show"  # R18
    LATE_CANCEL = "late_cancel"  # R18
    WAITLIST_OFFER = "waitlist_offer"  # R19, with Accept and Decline buttons
    WAITLIST_CLOSED = "waitlist_closed"  # R16: the mentor was removed; their line is closed
    # To the admins in the fallback channel (the mentor's DM when the server has none):
    WAITLIST_ACCEPTED = "waitlist_accepted"
    # To the mentor:
    GRACE_STARTED = "grace_started"
    SEAT_RELEASED_MENTOR = "seat_released_mentor"
    DM_FAILED = "dm_failed"
    # Corrections (R16):
    SESSION_REVERTED = "session_reverted"
    PACK_REVOKED = "pack_revoked"
    PACK_REVOKED_MENTOR = "pack_revoked_mentor"
    SEAT_MOVED = "seat_moved"
    SEAT_MOVED_MENTOR = "seat_moved_mentor"
    # R17, to the buyer:
    PURCHASE_PLACED = "purchase_placed"
    PURCHASE_UNPLACED = "purchase_unplaced"
    # R17, to the admins: posted in the server's fallback channel, not DMed (CHANNEL_KINDS).
    PURCHASE_UNPLACED_ADMINS = "purchase_unplaced_admins"
    # R23, to the admins (fallback channel): a Stripe refund they must look at (a partial one).
    STRIPE_REFUND_ADMINS = "stripe_refund_admins"


# DMs that ask the student to renew: they carry the RENEW_URL button when it is set.
RENEWAL_KINDS = frozenset(
    {
        NotificationKind.ONE_LEFT,
        NotificationKind.PACK_COMPLETE,
        NotificationKind.FINAL_WARNING,
        NotificationKind.SEAT_RELEASED,
        NotificationKind.EXPIRY_WARNING,
        # R17: an offer is taken by a grant or a purchase, so it shows how to buy one.
        NotificationKind.WAITLIST_OFFER,
    }
)
# Notes for a server's admins, posted in its fallback channel instead of DMed (R17 an unplaced
# purchase, R19 an Accept).
# "The admins are told" (SPEC Notifications): posted in the server's fallback channel, else DMed to the
# server's owner (the sender knows who that is); never to the row's recipient.
CHANNEL_KINDS = frozenset(
    {
        NotificationKind.PURCHASE_UNPLACED_ADMINS,
        NotificationKind.WAITLIST_ACCEPTED,
        NotificationKind.STRIPE_REFUND_ADMINS,
    }
)


class PurchaseStatus(StrEnum):
    """R17: a purchase is placed as a pack, or kept unplaced until an admin places it."""

    PLACED = "placed"
    UNPLACED = "unplaced"
    REFUNDED = "refunded"  # R23: refunded in Stripe (its pack revoked, or never placed)


@dataclass(frozen=True, slots=True)
class Policy:
    """One server's settings (R14), the ones marked *server* in the spec: the environment's values,
    over which whatever the server set with ``/settings`` is laid (``Tx.policy_for``)."""

    admin_role_id: int | None = None
    fallback_channel_id: int | None = None
    time_zone: str = "UTC"
    pack_size: int = 4
    pack_valid_days: int = 90
    grace_period_hours: int = 72
    final_warning_hours: int = 12
    expiry_warning_days: int = 3
    session_reminder_hours: int = 24
    late_cancel_hours: int = 24
    no_show_counts: bool = True
    offer_hours: int = 24
    renew_url: str | None = None
    renewal_sku_id: int | None = None
    stripe_payment_link: str | None = None
    stripe_webhook_secret: str | None = None
    min_notice_hours: int = 24
    booking_horizon_days: int = 28
    language: str = "en"

    @property
    def stripe_link(self) -> str | None:
        """The Payment Link a student pays on (R23), when the server sells through Stripe: the link and
        the webhook secret are both set (without the secret, a payment would never reach the bot)."""
        return self.stripe_payment_link if self.stripe_webhook_secret else None

    @property
    def grace_period(self) -> timedelta:
        return timedelta(hours=self.grace_period_hours)

    @property
    def final_warning_lead(self) -> timedelta:
        return timedelta(hours=self.final_warning_hours)

    @property
    def expiry_warning_lead(self) -> timedelta:
        return timedelta(days=self.expiry_warning_days)

    @property
    def session_reminder_lead(self) -> timedelta:
        return timedelta(hours=self.session_reminder_hours)

    @property
    def late_cancel_lead(self) -> timedelta:
        return timedelta(hours=self.late_cancel_hours)

    @property
    def offer_hold(self) -> timedelta:
        return timedelta(hours=self.offer_hours)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who runs a command: a Discord user id, whether they are an admin, the roles they hold here,
    and the language of their Discord client.

    The bot sets ``is_admin`` for Manage Server; the server's admin role is one of its settings (R14),
    so ``core.service.Service`` settles ``is_admin`` from ``role_ids`` in the transaction it runs."""

    user_id: int
    is_admin: bool = False
    role_ids: frozenset[int] = frozenset()
    locale: str | None = None  # their Discord client's language ("es-419", "pt-BR"), when known (R25)


def require_admin(actor: Actor, what: str) -> None:
    """Refuse ``actor`` unless they are an admin here; ``what`` they tried, in the refusal's words."""
    if not actor.is_admin:
        raise NotAllowed(
            f"Only an admin (Manage Server, or the admin role) can {what}; ask one of them to run it."
        )


# A reason (an undo's, a refund's) is kept on the row and quoted in a DM: one line of reasonable length.
MAX_REASON = 300


def given_reason(reason: str) -> str:
    """R16: the reason given for a correction, on one line, ending as a sentence; refused when empty
    or too long."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise InvalidInput("Give a reason, so the student knows why; it is kept with the change.")
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(f"A reason is at most {MAX_REASON} characters; you gave {len(cleaned)}.")
    return cleaned if cleaned.endswith((".", "!", "?")) else f"{cleaned}."


# The window in which a session without a booking counts as "due" for /complete (R3).
COMPLETE_LOOKAHEAD = timedelta(hours=1)
# R16: how long a mentor may undo their own completion, and how long the Undo button on the reply works.
MENTOR_UNDO_WINDOW = timedelta(hours=24)
UNDO_BUTTON_WINDOW = timedelta(minutes=15)
SESSION_MINUTES_DEFAULT = 60


def session_number(total: int, left: int, forfeited: int) -> int:
    """R4: how many sessions of the pack are completed."""
    return total - left - forfeited


def renewal_reminder(total: int, left: int, renewed: bool) -> NotificationKind | None:
    """R5: which renewal DM a pack of ``total`` owes once a session taken off it leaves ``left``, if
    any: counted on the sessions left, whatever took the session (a completion, a no-show, a late
    cancel)."""
    if renewed:
        return None
    if left == 0:
        return NotificationKind.PACK_COMPLETE
    if total >= 2 and left == 1:
        return NotificationKind.ONE_LEFT
    return None


# Delivery back-off: the first retry within a minute, then doubling, never more than 15 minutes apart,
# for 48 hours after the notification was first due.
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY_GAP = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(hours=48)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (1 = the first)."""
    doublings = max(0, attempts - 1)
    if doublings > 10:
        return MAX_RETRY_GAP
    delay: timedelta = min(FIRST_RETRY * (2**doublings), MAX_RETRY_GAP)
    return delay


def gives_up(first_due: datetime, now: datetime) -> bool:
    return now - first_due >= GIVE_UP_AFTER


def parse_when(text: str) -> datetime | None:
    """An ISO 8601 moment; without an offset it is UTC. ``None`` when it cannot be read."""
    cleaned = text.strip().replace(" ", "T", 1) if "T" not in text else text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: at the calendar's edge, UTC is out of range
        return None
