"""The program's bounds, defined once: the CHECK constraints (``core.schema``), the settings checks
(``core.registry``, ``core.config``), the use cases' refusals and the Discord option ranges
(``bot.features``) all read them.

Standard library only, so every layer may import it.
"""

from __future__ import annotations

# R1: how many seats a mentor may hold at once.
MIN_SEATS, MAX_SEATS = 0, 100
# R2: a pack's size and how long it is valid.
MIN_PACK_SESSIONS, MAX_PACK_SESSIONS = 1, 52
MIN_VALID_DAYS, MAX_VALID_DAYS = 1, 730
# R10: how long a booked session lasts, as /schedule offers it.
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 15, 240
# The policy settings (hours or days) and how often the sweep runs.
MIN_GRACE_HOURS, MAX_GRACE_HOURS = 1, 720
MIN_FINAL_WARNING_HOURS, MAX_FINAL_WARNING_HOURS = 0, MAX_GRACE_HOURS - 1
MIN_EXPIRY_WARNING_DAYS, MAX_EXPIRY_WARNING_DAYS = 0, 365
MIN_REMINDER_HOURS, MAX_REMINDER_HOURS = 0, 168
# R18: a student's cancel this close to the start takes the session; R19: how long an offer holds.
MIN_LATE_CANCEL_HOURS, MAX_LATE_CANCEL_HOURS = 0, 168
MIN_OFFER_HOURS, MAX_OFFER_HOURS = 1, 168
MIN_SWEEP_MINUTES, MAX_SWEEP_MINUTES = 1, 1440
# R21: a mentor's booking rules and the server defaults for two of them.
MIN_NOTICE_HOURS, MAX_NOTICE_HOURS = 0, 168
MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 1, 90
MIN_BUFFER_MINUTES, MAX_BUFFER_MINUTES = 0, 120
MIN_DAILY_MAX, MAX_DAILY_MAX = 0, 96  # 0: no cap; 96 sessions of 15 minutes fill a day
# R24: the web door's port (0 picks a free one).
MIN_WEB_PORT, MAX_WEB_PORT = 0, 65535
MIN_WEEKLY, MAX_WEEKLY = 2, 8  # R21: /book weekly, the weeks of a series
