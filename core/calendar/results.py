"""What the calendar-address use cases answer (R22)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CalendarAddress:
    """The caller's feed: ``token`` when it was made just now (the only time it can be shown), else
    None: one exists since ``made_at``, and only its fingerprint is kept, so it cannot be shown again
    (``/calendar reset`` makes a new one)."""

    token: str | None
    made_at: datetime

    @property
    def is_new(self) -> bool:
        return self.token is not None


@dataclass(frozen=True, slots=True)
class CalendarReset:
    """A new feed token; the one before it (if any) stopped working in the same transaction."""

    token: str
    made_at: datetime
