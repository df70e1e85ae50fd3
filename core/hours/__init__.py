"""Mentors' hours and self-booking (R21): weekly windows, days off, booking rules, and what is open.

``slots``     the one pure function that decides what is open (``open_slots``, ``why_not_open``,
              ``is_open``) and the values it works on; nothing else decides it.
``labels``    how slots, windows and days off read (a slot in its reader's zone, ≤ 100 characters).
``reading``   reading what a mentor typed: a weekday, "HH:MM", a date.
``lookup``    the mentor a command is about (who may act), with their zone and rules, in one statement.
``calendar``  their windows, days off and the busy sessions around the bookable span, in one statement.
``windows``, ``days_off``, ``booking_rules``   the ``/hours add|remove|off|rules`` use cases.
``views``     ``/hours show`` and the open slots of a mentor for a student (``/book``, ``/reschedule``).
``check``     the check a booking makes inside its write transaction (``require_open``).
"""

from core.hours.booking_rules import set_booking_rules
from core.hours.check import SlotNotOpen, require_open
from core.hours.days_off import add_days_off
from core.hours.labels import days_off_label, slot_label, window_label
from core.hours.results import (
    DaysOffAdded,
    DaysOffShown,
    HoursShown,
    OpenSlots,
    RuleInForce,
    RulesSet,
    WindowAdded,
    WindowChoice,
    WindowRemoved,
    WindowShown,
)
from core.hours.slots import (
    Booked,
    BookingRules,
    Busy,
    Closed,
    DaysOff,
    Hours,
    Slot,
    Window,
    is_open,
    open_slots,
    same_wall_time,
    why_not_open,
)
from core.hours.views import hours_shown, open_slots_for
from core.hours.windows import add_window, remove_window, window_choices

__all__ = [
    "Booked",
    "BookingRules",
    "Busy",
    "Closed",
    "DaysOff",
    "DaysOffAdded",
    "DaysOffShown",
    "Hours",
    "HoursShown",
    "OpenSlots",
    "RuleInForce",
    "RulesSet",
    "Slot",
    "SlotNotOpen",
    "Window",
    "WindowAdded",
    "WindowChoice",
    "WindowRemoved",
    "WindowShown",
    "add_days_off",
    "add_window",
    "days_off_label",
    "hours_shown",
    "is_open",
    "open_slots",
    "open_slots_for",
    "remove_window",
    "require_open",
    "same_wall_time",
    "set_booking_rules",
    "slot_label",
    "why_not_open",
    "window_choices",
    "window_label",
]
