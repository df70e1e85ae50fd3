"""Mentors' hours and self-booking (R21): weekly windows, days off, booking rules, and what is open.

``slots``     the one pure function that decides what is open (``open_slots``, ``why_not_open``,
              ``is_open``) and the values it works on; nothing else decides it.
``labels``    how slots, windows and days off read (a slot in its reader's zone, ≤ 100 characters).
``reading``   reading what a mentor typed: a weekday, "HH:MM", a date.
"""

from core.hours.labels import days_off_label, slot_label, window_label
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

__all__ = [
    "Booked",
    "BookingRules",
    "Busy",
    "Closed",
    "DaysOff",
    "Hours",
    "Slot",
    "Window",
    "days_off_label",
    "is_open",
    "open_slots",
    "same_wall_time",
    "slot_label",
    "why_not_open",
    "window_label",
]
