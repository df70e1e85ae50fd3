"""The clock every rule reads time from.

Production uses ``SystemClock``; tests and the demo use ``ManualClock`` and move time themselves.
No other module reads the system time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)  # noqa: TID251 - the one place that reads the system time


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self._now = as_utc(now)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("a ManualClock only moves forward")
        self._now += delta
        return self._now

    def set(self, now: datetime) -> datetime:
        now = as_utc(now)
        if now < self._now:
            raise ValueError("a ManualClock only moves forward")
        self._now = now
        return self._now


def as_utc(moment: datetime) -> datetime:
    """The same instant with tzinfo=UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
