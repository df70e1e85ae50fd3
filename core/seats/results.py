"""What the seats use cases return (a mentor registered or removed, a seat moved), and the read models
of seats: a seat with its packs and booked sessions, a mentor's roster, every mentor's seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import PackStatus, SeatStatus, session_number


@dataclass(frozen=True, slots=True)
class MentorRegistered:
    mentor_user_id: int
    capacity: int
    previous_capacity: int | None
    seats_held: int
    # R19: more capacity offers the new seats to the mentor's waitlist.
    offered_seats: tuple[int, ...] = ()
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MentorRemoved:
    mentor_user_id: int
    already_removed: bool = False
    notification_ids: tuple[int, ...] = ()  # those in their closed line, told (R16)


@dataclass(frozen=True, slots=True)
class SeatMoved:
    seat_id: int
    student_user_id: int
    from_mentor_user_id: int
    to_mentor_user_id: int
    packs: int = 0
    booked_sessions: int = 0
    already_moved: bool = False
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionView:
    session_id: int
    pack_id: int
    student_user_id: int
    student_name: str
    mentor_user_id: int
    starts_at: datetime
    minutes: int
    mentor_name: str = ""  # filled where a list names the mentor (autocomplete)


@dataclass(frozen=True, slots=True)
class PackView:
    pack_id: int
    total: int
    left: int
    booked: int
    forfeited: int
    status: PackStatus
    granted_at: datetime
    ends_at: datetime

    @property
    def used(self) -> int:
        return session_number(self.total, self.left, self.forfeited)


@dataclass(frozen=True, slots=True)
class SeatView:
    seat_id: int
    guild_id: int
    mentor_user_id: int
    mentor_name: str
    student_user_id: int
    student_name: str
    status: SeatStatus
    grace_ends_at: datetime | None
    packs: tuple[PackView, ...] = ()
    sessions: tuple[SessionView, ...] = ()

    @property
    def sessions_left(self) -> int:
        return sum(pack.left for pack in self.packs if pack.status == PackStatus.ACTIVE)

    @property
    def next_session(self) -> SessionView | None:
        return min(self.sessions, key=lambda session: session.starts_at, default=None)


@dataclass(frozen=True, slots=True)
class Roster:
    mentor_user_id: int
    capacity: int
    seats_held: int
    seats: tuple[SeatView, ...]


@dataclass(frozen=True, slots=True)
class MentorSeats:
    """One mentor on ``/seats``: seats held of capacity, and every live seat with its packs."""

    mentor_user_id: int
    mentor_name: str
    capacity: int
    seats_held: int
    seats: tuple[SeatView, ...] = ()

    @property
    def grace_seats(self) -> tuple[SeatView, ...]:
        return tuple(seat for seat in self.seats if seat.status == SeatStatus.GRACE)
