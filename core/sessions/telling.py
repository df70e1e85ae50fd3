"""The DMs about one booked session, which a move makes stale (R12, R21): each is queued with the
session's ``sequence`` as it was then (in the notification's ``seat_period``, and in its key after the
first move), so a booking, move or reminder DM of a session moved since no longer applies
(``core.rules.STALE_WHEN``), and the new time gets DMs of its own."""

from __future__ import annotations

from core import outbox
from core.changes import About, dm
from core.domain import NotificationKind


def session_dm(
    about: About, kind: NotificationKind, to: int, body: str, *, sequence: int, mentor: int | None = None
) -> outbox.Owed:
    """The DM ``kind`` about ``about``'s session at its ``sequence``-th time (0: as first booked)."""
    return dm(about, kind, to, body, mentor=mentor, period=sequence or None)
