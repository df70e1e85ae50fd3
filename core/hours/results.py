"""What the hours use cases and read models answer with: plain values the bot renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.hours.slots import BookingRules, Slot, Window

# Where a booking rule in force comes from.
MENTORS_OWN = "mentor"  # set with /hours rules
SERVERS = "server"  # the server's own MIN_NOTICE_HOURS / BOOKING_HORIZON_DAYS (/settings)
DEFAULT = "default"  # the program's default (or the environment's, for the two server settings)


@dataclass(frozen=True, slots=True)
class RuleInForce:
    """One booking rule: its ``/hours rules`` option name, value, and where it comes from."""

    name: str  # length, buffer, notice_hours, daily_max, horizon_days
    value: int
    source: str  # MENTORS_OWN, SERVERS or DEFAULT


@dataclass(frozen=True, slots=True)
class WindowShown:
    window_id: int
    window: Window
    label: str  # "Tue 18:00–21:00", in the mentor's zone


@dataclass(frozen=True, slots=True)
class DaysOffShown:
    days_off_id: int
    first: date
    last: date
    label: str


@dataclass(frozen=True, slots=True)
class WindowAdded:
    mentor_user_id: int
    zone: str  # the mentor's, which the window is in
    shown: WindowShown
    already: bool = False  # the same window was there already: nothing was added


@dataclass(frozen=True, slots=True)
class WindowRemoved:
    mentor_user_id: int
    zone: str
    shown: WindowShown


@dataclass(frozen=True, slots=True)
class DaysOffAdded:
    mentor_user_id: int
    zone: str
    shown: DaysOffShown
    # Sessions already booked on those days: a day off takes no new booking, but keeps these.
    sessions_booked: int
    already: bool = False  # those days were off already: nothing was added


@dataclass(frozen=True, slots=True)
class RulesSet:
    mentor_user_id: int
    rules: tuple[RuleInForce, ...]  # all five, as now in force
    changed: tuple[str, ...]  # the names whose value the command gave


@dataclass(frozen=True, slots=True)
class HoursShown:
    """``/hours show``: a mentor's windows, days off still ahead, rules in force, next open slots."""

    mentor_user_id: int
    zone: str
    windows: tuple[WindowShown, ...]
    days_off: tuple[DaysOffShown, ...]
    rules: tuple[RuleInForce, ...]
    next_slots: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class OpenSlots:
    """The open slots of one mentor for one student (or for nobody in particular: ``/hours show``),
    with what the booking needs: the mentor's row and zone, the rules (a booking lasts
    ``rules.length_minutes``), the student's seat with them and the latest end of a pack that can
    take the booking (``not_after``)."""

    mentor_id: int
    mentor_user_id: int
    zone: str
    rules: BookingRules
    seat_id: int | None
    not_after: datetime | None
    slots: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """A window ``/hours remove`` offers: its id and label."""

    window_id: int
    label: str
