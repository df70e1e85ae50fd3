"""The questions several places ask, each answered once: has the seat renewed, is a warning due, is a
seat releasable, does a notification still apply.

Each answer is a SQLAlchemy expression over ``:now`` (``NOW``), used alike by the use cases, the
sweep's steps, ``next_due`` and the outbox's stale check, and where Python needs it too, a pure
function beside it. The three warnings (R7 final warning, R8 expiry warning, R10 session reminder)
are rows of one table, ``WARNINGS``: each says which rows it is about, the moment it falls due
(stored on the row when its deadline was set, so the sweep needs no policy numbers) and the flag
that its queueing sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, Table, and_, bindparam, cast, exists, false, func, literal, or_

from core.domain import NotificationKind, PackStatus, SeatStatus, SessionStatus
from core.schema import UTCDateTime, notifications, packs, purchases, seats, sessions, sql

NOW = bindparam("now", type_=UTCDateTime())

# Statuses as constants, not parameters: the planner matches them against the partial indexes
# (``WHERE status = 'grace'``), which hold only the rows a sweep can find due.
GRACE, ACTIVE, SCHEDULED = sql(SeatStatus.GRACE.value), sql(PackStatus.ACTIVE.value), sql("scheduled")


# ---- has the seat renewed? --------------------------------------------------------------------------


# The seat's other packs, named apart: the question is also asked inside a statement that reads the
# pack itself (the session's pack, ``core.sessions.lookup``).
_other = packs.alias("other_pack")


def renewed(seat_id: Any, besides_pack_id: Any) -> ColumnElement[bool]:
    """R5/R6: the seat holds another active, unexpired pack (active packs have sessions left)."""
    return exists().where(
        _other.c.seat_id == seat_id,
        _other.c.id != besides_pack_id,
        _other.c.status == PackStatus.ACTIVE.value,
        _other.c.ends_at > NOW,
    )


# ---- is a seat releasable? (R9) ---------------------------------------------------------------------

NO_BOOKED_SESSION = ~exists().where(sessions.c.seat_id == seats.c.id, sessions.c.status == SCHEDULED)
# Two sets of conditions rather than one OR: each matches a partial index of its own.
# A seat in grace with nothing booked: released once its grace ends.
GRACE_UNBOOKED = (seats.c.status == GRACE, NO_BOOKED_SESSION)
GRACE_OVER = (*GRACE_UNBOOKED, seats.c.grace_ends_at <= NOW)
ALL_PACKS_EXPIRED = (seats.c.status == ACTIVE, seats.c.active_packs == 0, NO_BOOKED_SESSION)
RELEASABLE = (GRACE_OVER, ALL_PACKS_EXPIRED)

# ---- has an offer's hold run out? (R19) ---------------------------------------------------------------

OFFERED = sql(SeatStatus.OFFERED.value)
OFFER_HELD = (seats.c.status == OFFERED,)
OFFER_LAPSED = (*OFFER_HELD, seats.c.offer_ends_at <= NOW)


# ---- is a warning due? (R7, R8, R10) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Warning:
    """One warning the sweep queues: on which rows, when, and the flag its queueing sets."""

    kind: NotificationKind
    table: Table
    due_at: Any  # the stored moment it falls due (NULL: never, e.g. its lead was 0)
    queued: Any  # set only by the statement that queues it
    # While these hold, the warning still applies (its deadline is ahead, its reason is still there).
    applies: tuple[Any, ...]

    @property
    def pending(self) -> tuple[Any, ...]:
        """Not queued yet and still applying: ``next_due`` looks for the earliest ``due_at`` here."""
        return (*self.applies, self.queued == false())

    @property
    def due(self) -> tuple[Any, ...]:
        """What the sweep queues now."""
        return (*self.pending, self.due_at <= NOW)


FINAL_WARNING = Warning(
    NotificationKind.FINAL_WARNING,
    seats,
    seats.c.final_warning_at,
    seats.c.final_warning_queued,
    # A grace that already ended (downtime) gets no warning, only the release.
    (seats.c.status == GRACE, seats.c.grace_ends_at > NOW),
)
EXPIRY_WARNING = Warning(
    NotificationKind.EXPIRY_WARNING,
    packs,
    packs.c.expiry_warning_at,
    packs.c.expiry_warned,
    # Only a pack with an unbooked session is warned; one whose sessions are all booked is warned
    # later if a booking is cancelled while the window is open.
    (
        packs.c.status == ACTIVE,
        packs.c.ends_at > NOW,
        packs.c.sessions_left > packs.c.sessions_booked,
    ),
)
SESSION_REMINDER = Warning(
    NotificationKind.SESSION_REMINDER,
    sessions,
    sessions.c.reminder_at,
    sessions.c.reminder_queued,
    (sessions.c.status == SCHEDULED, sessions.c.starts_at > NOW),
)
WARNINGS = (FINAL_WARNING, EXPIRY_WARNING, SESSION_REMINDER)


def warning_at(deadline: datetime, lead: timedelta) -> datetime | None:
    """The moment a warning ``lead`` before ``deadline`` falls due; None when the lead is 0 (off)."""
    return deadline - lead if lead else None


# ---- does a notification still apply? ---------------------------------------------------------------

_n = notifications.c
_SESSION_AHEAD = exists().where(
    sessions.c.id == _n.session_id,
    sessions.c.status == SessionStatus.SCHEDULED.value,
    sessions.c.starts_at > NOW,
)
_PACK_ACTIVE = exists().where(packs.c.id == _n.pack_id, packs.c.status == PackStatus.ACTIVE.value)
_SAME_GRACE = exists().where(
    seats.c.id == _n.seat_id, seats.c.status == SeatStatus.GRACE.value, seats.c.grace_period == _n.seat_period
)

# R19: an offer (or the admins' note that it was accepted) once the seat is no longer held for the
# student: granted to them, declined, given up or run out.
_OFFER_GONE = and_(
    _n.seat_id.is_not(None),
    ~exists().where(seats.c.id == _n.seat_id, seats.c.status == SeatStatus.OFFERED.value),
)

# A notification about no particular row (none of its subject ids set) has no reason to lose.
_PACK_CLOSED = and_(_n.pack_id.is_not(None), ~_PACK_ACTIVE)
_GRACE_LEFT = and_(_n.seat_id.is_not(None), ~_SAME_GRACE)
_SESSION_GONE = and_(_n.session_id.is_not(None), ~_SESSION_AHEAD)

# R21: a DM about a session carries the session's ``sequence`` as it was when queued (in
# ``seat_period``; ``core.sessions.telling``): once the session has moved, it no longer applies.
_SESSION_MOVED = and_(
    _n.session_id.is_not(None),
    exists().where(sessions.c.id == _n.session_id, sessions.c.sequence != func.coalesce(_n.seat_period, 0)),
)
_SESSION_GONE_OR_MOVED = or_(_SESSION_GONE, _SESSION_MOVED)

_PACK_REVOKED = exists().where(packs.c.id == _n.pack_id, packs.c.status == PackStatus.REVOKED.value)


def purchase_key(kind: NotificationKind, purchase_id: Any) -> Any:
    """The once-only key of a notification about a purchase (as ``core.changes.dm`` writes it with
    ``subject=f"purchase:{id}"``); in SQL when ``purchase_id`` is a column, so a stale rule can find
    the purchase a notification is about."""
    prefix = f"{kind.value}:purchase:"
    if isinstance(purchase_id, int):
        return prefix + str(purchase_id)
    return literal(prefix, String()) + cast(purchase_id, String())


def _purchase_placed_since(kind: NotificationKind) -> ColumnElement[bool]:
    """An "unplaced" notice once an admin (or a later sweep) placed the purchase."""
    return exists().where(purchases.c.status == "placed", _n.key == purchase_key(kind, purchases.c.id))


# For each kind that can go stale, when it no longer applies. Kinds not named (a cancellation, a
# release, a note to the mentor) always apply.
STALE_WHEN: dict[NotificationKind, ColumnElement[bool]] = {
    # "1 session remaining" once the student renewed, or once the pack is used up or expired.
    NotificationKind.ONE_LEFT: or_(renewed(_n.seat_id, _n.pack_id), _PACK_CLOSED),
    NotificationKind.PACK_COMPLETE: renewed(_n.seat_id, _n.pack_id),
    NotificationKind.FINAL_WARNING: _GRACE_LEFT,
    NotificationKind.GRACE_STARTED: _GRACE_LEFT,
    NotificationKind.EXPIRY_WARNING: _PACK_CLOSED,
    # A booking, a move or a reminder (to the student or the mentor), once the session is cancelled,
    # completed or has started, or has moved since (R21).
    NotificationKind.SESSION_BOOKED: _SESSION_GONE_OR_MOVED,
    NotificationKind.SESSION_REMINDER: _SESSION_GONE_OR_MOVED,
    NotificationKind.SESSION_MOVED: _SESSION_GONE_OR_MOVED,
    NotificationKind.SESSION_BOOKED_MENTOR: _SESSION_GONE_OR_MOVED,
    NotificationKind.SESSION_MOVED_MENTOR: _SESSION_GONE_OR_MOVED,
    NotificationKind.SESSION_REMINDER_MENTOR: _SESSION_GONE_OR_MOVED,
    # R17: a purchase undone (its pack refunded), or an unplaced one placed since.
    NotificationKind.PURCHASE_PLACED: _PACK_REVOKED,
    NotificationKind.PURCHASE_UNPLACED: _purchase_placed_since(NotificationKind.PURCHASE_UNPLACED),
    NotificationKind.PURCHASE_UNPLACED_ADMINS: _purchase_placed_since(
        NotificationKind.PURCHASE_UNPLACED_ADMINS
    ),
    NotificationKind.WAITLIST_OFFER: _OFFER_GONE,
    NotificationKind.WAITLIST_ACCEPTED: _OFFER_GONE,
}


# R16: a renewal reminder is about the pack's completions as they were when it was queued; once one of
# them is reverted (voided since), it no longer applies. The grace a reverted completion started ends
# with it, which ``_GRACE_LEFT`` already drops.
_REVERTED_SINCE = exists().where(
    sessions.c.pack_id == _n.pack_id,
    sessions.c.status == SessionStatus.VOIDED.value,
    sessions.c.voided_at >= _n.created_at,
)
REVERTED_WHEN: dict[NotificationKind, ColumnElement[bool]] = {
    NotificationKind.ONE_LEFT: _REVERTED_SINCE,
    NotificationKind.PACK_COMPLETE: _REVERTED_SINCE,
}
for _kind, _rule in REVERTED_WHEN.items():
    STALE_WHEN[_kind] = or_(STALE_WHEN[_kind], _rule) if _kind in STALE_WHEN else _rule


def stale() -> ColumnElement[bool]:
    """The notification (a row of ``notifications``) no longer applies."""
    # One equality per kind, not ``in_``: an IN list is an "expanding" parameter, rendered anew
    # at every execution.
    return or_(*(and_(_n.kind == kind.value, rule) for kind, rule in STALE_WHEN.items()))
