"""R15: a `when` whose numbers the reader dropped is refused, not booked at a time nobody typed.

dateparser reads "tomorrow at 6" as tomorrow at the current time of day, silently leaving the 6 out
(found through /schedule, once `when` took natural phrases). Every number typed must be a part of the
time read: the hour or minute, or (when a date was typed) the day, month or year; an amount before a
unit ("in 3 days at 18:00", "in 1.5 hours") is no part of it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.when import read_when

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)  # tomorrow is the 6th: a dropped 6 must not pass as the day


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("text", ["tomorrow at 6", "tomorrow at six", "tue at 7", "next monday at 9"])
def test_a_number_the_reader_dropped_is_refused(text: str, zone: str) -> None:
    with pytest.raises(InvalidInput, match="can't read"):
        read_when(text, zone=zone, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 18:00", datetime(2026, 1, 6, 18, tzinfo=UTC)),
        ("tue 6pm", datetime(2026, 1, 6, 18, tzinfo=UTC)),
        ("friday six pm", datetime(2026, 1, 9, 18, tzinfo=UTC)),
        ("in 2 hours", datetime(2026, 1, 5, 14, tzinfo=UTC)),
        ("in 3 days at 18:00", datetime(2026, 1, 8, 18, tzinfo=UTC)),  # "in 3 days" alone names no time
        ("in 90 minutes", datetime(2026, 1, 5, 13, 30, tzinfo=UTC)),
        ("3 Dec 14:30", datetime(2026, 12, 3, 14, 30, tzinfo=UTC)),
        ("Dec 3rd 2026 at 5:30pm", datetime(2026, 12, 3, 17, 30, tzinfo=UTC)),
        ("1 jan 2027 9:05", datetime(2027, 1, 1, 9, 5, tzinfo=UTC)),
    ],
)
def test_every_number_used_still_reads(text: str, expected: datetime) -> None:
    assert read_when(text, zone="UTC", now=NOW) == expected


@pytest.mark.parametrize("now", [NOW, datetime(2026, 2, 10, 15, tzinfo=UTC)])
def test_a_decimal_amount_is_an_amount_whatever_the_day(now: datetime) -> None:
    # Read only when the 1 happened to be the month or the hour of the result.
    assert read_when("in 1.5 hours", zone="UTC", now=now) == now + timedelta(minutes=90)
