"""R15: a `when` is read in the caller's zone at the clock's now, and its label says what it was read as.

The daylight-saving changes of 2026: Europe/Berlin skips 02:00-03:00 on 29 March and repeats
02:00-03:00 on 25 October; America/New_York skips 02:00-03:00 on 8 March and repeats 01:00-02:00 on
1 November.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.when import read_when, relative, when_choice, when_label

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # a Saturday: 13:00 in Berlin, 07:00 in New York


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# ---- each phrase, in each zone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("tomorrow 18:00", BERLIN, utc(2026, 1, 11, 17)),
        ("tomorrow 18:00", NEW_YORK, utc(2026, 1, 11, 23)),
        ("tue 6pm", BERLIN, utc(2026, 1, 13, 17)),
        ("tue 6pm", NEW_YORK, utc(2026, 1, 13, 23)),
        ("in 2 hours", BERLIN, utc(2026, 1, 10, 14)),
        ("in 2 hours", NEW_YORK, utc(2026, 1, 10, 14)),
        ("3 Dec 14:30", BERLIN, utc(2026, 12, 3, 13, 30)),
        ("3 Dec 14:30", NEW_YORK, utc(2026, 12, 3, 19, 30)),
        ("tomorrow 18:00", "UTC", utc(2026, 1, 11, 18)),
    ],
)
def test_natural_phrases_are_local_to_the_zone(text: str, zone: str, expected: datetime) -> None:
    assert read_when(text, zone=zone, now=NOW) == expected


def test_iso_with_an_offset_is_exact_whatever_the_zone() -> None:
    for zone in (BERLIN, NEW_YORK, "UTC"):
        assert read_when("2026-01-13T18:00+01:00", zone=zone, now=NOW) == utc(2026, 1, 13, 17)
        assert read_when("2026-01-13T18:00Z", zone=zone, now=NOW) == utc(2026, 1, 13, 18)


def test_iso_without_an_offset_is_local_to_the_zone() -> None:
    assert read_when("2026-01-13T18:00", zone=BERLIN, now=NOW) == utc(2026, 1, 13, 17)
    assert read_when("2026-01-13 18:00", zone=NEW_YORK, now=NOW) == utc(2026, 1, 13, 23)
    assert read_when("2026-07-13T18:00", zone=BERLIN, now=NOW) == utc(2026, 7, 13, 16)  # summer time


def test_the_base_is_the_given_now_never_the_machines_clock() -> None:
    later = utc(2031, 6, 1, 12)
    assert read_when("3 Dec 14:30", zone=BERLIN, now=later) == utc(2031, 12, 3, 13, 30)
    assert read_when("in 2 hours", zone=BERLIN, now=later) == utc(2031, 6, 1, 14)
    assert read_when("tomorrow 18:00", zone=NEW_YORK, now=later) == utc(2031, 6, 2, 22)


# ---- daylight saving: skipped hours refused, repeated hours the first -------------------------------


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("2026-03-29T02:30", BERLIN),
        ("29 Mar 2026 2:30", BERLIN),
        ("2026-03-08T02:30", NEW_YORK),
        ("8 Mar 2026 2:30am", NEW_YORK),
    ],
)
def test_a_time_the_clocks_skip_is_refused_in_one_sentence(text: str, zone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=zone, now=NOW)
    message = refused.value.message
    assert f"does not exist in {zone}" in message
    assert "daylight saving" in message
    assert message.count(".") == 1
    assert message.endswith(".")
    assert when_choice(text, zone=zone, now=NOW) is None


@pytest.mark.parametrize(
    ("text", "zone", "first"),
    [
        ("2026-10-25T02:30", BERLIN, utc(2026, 10, 25, 0, 30)),  # 02:30 CEST, not 02:30 CET (01:30 UTC)
        ("25 Oct 2026 02:30", BERLIN, utc(2026, 10, 25, 0, 30)),
        ("2026-11-01T01:30", NEW_YORK, utc(2026, 11, 1, 5, 30)),  # 01:30 EDT, not 01:30 EST (06:30 UTC)
        ("nov 1 2026 1:30am", NEW_YORK, utc(2026, 11, 1, 5, 30)),
    ],
)
def test_a_time_the_clocks_repeat_is_the_first_of_the_two(text: str, zone: str, first: datetime) -> None:
    assert read_when(text, zone=zone, now=NOW) == first


def test_just_around_the_changes_the_hours_that_exist_read_normally() -> None:
    assert read_when("2026-03-29T01:59", zone=BERLIN, now=NOW) == utc(2026, 3, 29, 0, 59)
    assert read_when("2026-03-29T03:00", zone=BERLIN, now=NOW) == utc(2026, 3, 29, 1)
    assert read_when("2026-03-08T03:00", zone=NEW_YORK, now=NOW) == utc(2026, 3, 8, 7)
    assert read_when("2026-11-01T02:00", zone=NEW_YORK, now=NOW) == utc(2026, 11, 1, 7)


@pytest.mark.parametrize(
    ("now", "zone"),
    [
        (utc(2026, 3, 29, 0, 30), BERLIN),
        (utc(2026, 10, 25, 0, 30), BERLIN),
        (utc(2026, 3, 8, 6, 30), NEW_YORK),
    ],
)
def test_in_two_hours_across_a_change_is_two_hours_of_real_time(now: datetime, zone: str) -> None:
    assert read_when("in 2 hours", zone=zone, now=now) == now + timedelta(hours=2)


# ---- what cannot be read -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   ", "garbage", "next blursday", "2026-13-01T10:00", "2026-02-30T10:00", "x" * 300]
)
def test_unreadable_text_is_refused_in_one_sentence_and_offers_no_choice(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW)
    message = refused.value.message
    assert message.endswith(".")
    assert len(message) < 200
    assert when_choice(text, zone=BERLIN, now=NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00+01:00",
        "9999-12-31T23:30-01:00",
        "0000-01-01T10:00",
        "0001-01-01T00:00",
        "12345-01-01",
    ],
)
def test_years_out_of_range_are_one_sentence_not_an_overflow(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW)
    assert "out of range" in refused.value.message
    assert when_choice(text, zone=BERLIN, now=NOW) is None


def test_an_unknown_zone_is_refused_in_one_sentence() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when("tomorrow 18:00", zone="Mars/Olympus", now=NOW)
    assert "Europe/Berlin" in refused.value.message


# ---- the autocomplete label -------------------------------------------------------------------------


def test_the_label_shows_the_local_time_the_zone_and_how_far_it_is() -> None:
    at = utc(2026, 1, 13, 17)
    assert when_label(at, zone=BERLIN, now=NOW) == "Tue 13 Jan 2026 18:00 Europe/Berlin (in 3 days)"
    assert when_choice("tue 6pm", zone=BERLIN, now=NOW) == "Tue 13 Jan 2026 18:00 Europe/Berlin (in 3 days)"
    assert when_choice("in 2 hours", zone=NEW_YORK, now=NOW) == (
        "Sat 10 Jan 2026 09:00 America/New_York (in 2 hours)"
    )
    assert when_choice("2026-10-25T02:30", zone=BERLIN, now=NOW) == (
        "Sun 25 Oct 2026 02:30 Europe/Berlin (in 288 days)"
    )


def test_the_label_fits_an_autocomplete_choice() -> None:
    longest = max(("America/Argentina/ComodRivadavia", "America/North_Dakota/New_Salem"), key=len)
    label = when_choice("in 2 hours", zone=longest, now=NOW)
    assert label is not None
    assert len(label) <= 100


def test_relative_reads_like_discords_relative_timestamps() -> None:
    assert relative(timedelta(days=3, hours=5)) == "in 3 days"
    assert relative(timedelta(hours=-2)) == "2 hours ago"
    assert relative(timedelta(minutes=1)) == "in 1 minute"
    assert relative(timedelta(seconds=20)) == "now"


# ---- a day with no time, and a day and month in digits only, are refused ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "friday",
        "next monday",
        "3 Dec",
        "3 Dec 2026",
        "today",
        "next week",
        "in 3 days",
        "monday morning",
        "tonight",
        "2026-03-12",
    ],
)
@pytest.mark.parametrize("zone", [BERLIN, "UTC"])
def test_a_day_with_no_time_is_refused_with_a_hint_to_add_one(text: str, zone: str) -> None:
    # Read before as the current minute ("tomorrow") or midnight ("friday"): a time nobody typed.
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=zone, now=NOW)
    message = refused.value.message
    assert f"“{text}” names a day but no time" in message
    assert "tomorrow 18:00" in message
    assert message.count(".") == 1  # one sentence
    assert when_choice(text, zone=zone, now=NOW) is None


@pytest.mark.parametrize(
    "text", ["12/03", "3.12", "12-03", "12.03.", "12/03 18:00", "3.12. 18:00", "12/03/2026 18:00", "3/12 6pm"]
)
def test_a_day_and_month_in_digits_only_is_refused_as_ambiguous(text: str) -> None:
    # "12/03" was booked on 3 December for a user in Berlin who meant 12 March.
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW)
    message = refused.value.message
    assert "day and month in digits only" in message
    assert "12 Mar" in message or "3 Dec" in message
    assert "2026-03-12" in message or "2026-12-03" in message
    assert message.count(".") == 1 + text.count(".")  # one sentence (quoting what was typed)
    assert when_choice(text, zone=BERLIN, now=NOW) is None


def test_the_ambiguity_hint_uses_the_typed_numbers_day_first() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when("12/03", zone=BERLIN, now=NOW)
    assert refused.value.message == (
        "“12/03” gives a day and month in digits only, which reads differently around the world; "
        "write the month as a word or the date as ISO, like 12 Mar 18:00 or 2026-03-12T18:00."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Mar 18:00", utc(2026, 3, 12, 17)),
        ("2026-03-12T18:00", utc(2026, 3, 12, 17)),
        ("2026-03-12 18:00", utc(2026, 3, 12, 17)),
        ("friday 18:00", utc(2026, 1, 16, 17)),
        ("next monday 9am", utc(2026, 1, 12, 8)),
        ("tomorrow noon", utc(2026, 1, 11, 11)),
        ("in 3 days at 18:00", utc(2026, 1, 13, 17)),
        ("in 90 minutes", utc(2026, 1, 10, 13, 30)),
        ("14.30", utc(2026, 1, 10, 13, 30)),  # a time with a dot is no day and month
    ],
)
def test_a_day_with_a_time_and_iso_still_read(text: str, expected: datetime) -> None:
    assert read_when(text, zone=BERLIN, now=NOW) == expected
    assert when_choice(text, zone=BERLIN, now=NOW) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", utc(2026, 1, 10, 17)),  # 13:00 in Berlin now: today at 18:00
        ("6pm", utc(2026, 1, 10, 17)),
        ("10:00", utc(2026, 1, 11, 9)),  # already past today: tomorrow at 10:00
        ("13:00", utc(2026, 1, 10, 12)),  # this very minute is still today
    ],
)
def test_a_time_alone_is_its_next_occurrence_in_the_callers_zone(text: str, expected: datetime) -> None:
    assert read_when(text, zone=BERLIN, now=NOW) == expected


@pytest.mark.parametrize(("text", "iso"), [("29.02.", "2028-02-29"), ("29/02/9999 18:00", "2028-02-29")])
def test_the_hint_for_a_leap_day_names_a_year_that_has_one(text: str, iso: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_when(text, zone=BERLIN, now=NOW)
    assert f"like 29 Feb 18:00 or {iso}T18:00." in refused.value.message
