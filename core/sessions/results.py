"""What the sessions use cases return: a session completed, booked, cancelled, missed (a no-show or a
late cancel) or reverted; the questions /complete and a late /cancel ask first; and a completion as
/undo's ``session`` option offers it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import SessionStatus


@dataclass(frozen=True, slots=True)
class SessionCompleted:
    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    number: int
    total: int
    left: int
    completed_at: datetime
    already_completed: bool = False
    # R4: sessions of the pack a no-show or late cancel took (R18), which count neither as done nor left.
    missed: int = 0
    grace_ends_at: datetime | None = None
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionBooked:
    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    starts_at: datetime
    minutes: int
    notification_ids: tuple[int, ...] = ()
    already_booked: bool = False


@dataclass(frozen=True, slots=True)
class SessionCancelled:
    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    starts_at: datetime
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CompletionChoice:
    """R3: the student has sessions booked with this mentor, none starting within the hour, so
    /complete guesses nothing and asks: complete ``session_id`` (the earliest booked), or record one now."""

    student_user_id: int
    mentor_user_id: int
    session_id: int
    starts_at: datetime
    # The server's time zone (R15), for the button that names the time: labels can't show timestamps.
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class SessionReverted:
    """R16: a completion undone; the session is voided and its pack got the session back (or, past its
    end date, the session counts as forfeited)."""

    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    reason: str
    total: int
    left: int
    voided_at: datetime
    forfeited: bool = False
    seat_back_from_grace: bool = False
    already_voided: bool = False
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionMissed:
    """R18: a no-show marked, or a student's late cancel; ``taken``: a session came off the pack."""

    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    starts_at: datetime
    status: SessionStatus
    taken: bool
    left: int
    grace_ends_at: datetime | None = None
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class LateCancelToConfirm:
    """R18: the student's cancel is late and would take a session: nothing changed, they must confirm."""

    session_id: int
    mentor_user_id: int
    starts_at: datetime
    late_cancel_hours: int


@dataclass(frozen=True, slots=True)
class CompletedChoice:
    """A completion the caller may undo, for the ``session`` option of /undo."""

    session_id: int
    student_name: str
    mentor_name: str
    completed_at: datetime
    number: int
    total: int


@dataclass(frozen=True, slots=True)
class BookedSlot:
    """One session a student booked (R21): its id, the pack it is on, its start."""

    session_id: int
    pack_id: int
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class SlotsBooked:
    """R21 ``/book``: the sessions booked (one, or each week of a series), earliest first."""

    sessions: tuple[BookedSlot, ...]
    student_user_id: int
    mentor_user_id: int
    minutes: int
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionMoved:
    """R21 ``/reschedule``: the session moved from ``was`` to ``starts_at`` (pack and number kept)."""

    session_id: int
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    was: datetime
    starts_at: datetime
    minutes: int
    notification_ids: tuple[int, ...] = ()
