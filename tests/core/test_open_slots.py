"""R21: what is open, decided by one pure function (``core.hours.slots``): exact across both 2026
daylight-saving changes in Europe/Berlin and America/New_York and in a zone without them, for a mentor
and a student in different zones, under the buffer, the daily cap, the notice, the horizon, days off,
the student's own sessions and the pack's end; and a property test against a brute-force reading of
the rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.hours import (
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
    slot_label,
    why_not_open,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
OPEN_ALL_YEAR = BookingRules(notice_hours=0, horizon_days=90)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(day: int, start: str, end: str) -> Window:
    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    return Window(day, minutes(start), minutes(end))


def starts(hours: Hours, now: datetime, booked: Booked | None = None, **options: object) -> list[datetime]:
    return [slot.starts_at for slot in open_slots(hours, booked or Booked(), now=now, **options)]  # type: ignore[arg-type]


# ---- daylight saving ------------------------------------------------------------------------------------


def test_berlin_hours_stay_at_18_local_across_the_spring_change() -> None:
    hours = Hours("Europe/Berlin", (window(SUN, "18:00", "19:00"),), rules=OPEN_ALL_YEAR)
    assert starts(hours, utc(2026, 3, 16), limit=3) == [
        utc(2026, 3, 22, 17),  # CET, UTC+1
        utc(2026, 3, 29, 16),  # the day of the change: CEST, UTC+2, by the evening
        utc(2026, 4, 5, 16),
    ]


def test_berlin_hours_stay_at_18_local_across_the_autumn_change() -> None:
    hours = Hours("Europe/Berlin", (window(SUN, "18:00", "19:00"),), rules=OPEN_ALL_YEAR)
    assert starts(hours, utc(2026, 10, 12), limit=3) == [
        utc(2026, 10, 18, 16),  # CEST
        utc(2026, 10, 25, 17),  # the day the clocks go back: CET
        utc(2026, 11, 1, 17),
    ]


def test_new_york_hours_stay_at_9_local_across_both_changes() -> None:
    hours = Hours("America/New_York", (window(SUN, "09:00", "10:00"),), rules=OPEN_ALL_YEAR)
    assert starts(hours, utc(2026, 2, 23), limit=2) == [utc(2026, 3, 1, 14), utc(2026, 3, 8, 13)]
    assert starts(hours, utc(2026, 10, 19), limit=2) == [utc(2026, 10, 25, 13), utc(2026, 11, 1, 14)]


def test_a_zone_without_daylight_saving_keeps_every_week_seven_times_24_hours_apart() -> None:
    hours = Hours("Asia/Tokyo", (window(SUN, "09:00", "10:00"),), rules=OPEN_ALL_YEAR)
    for now in (utc(2026, 3, 2), utc(2026, 10, 12)):
        found = starts(hours, now, limit=6)
        assert all(later - earlier == timedelta(days=7) for earlier, later in pairwise(found))
        assert {moment.hour for moment in found} == {0}  # 09:00 JST is midnight UTC


def test_a_local_time_the_clocks_skip_has_no_slot() -> None:
    berlin = Hours(
        "Europe/Berlin",
        (window(SUN, "01:30", "03:30"),),
        rules=BookingRules(30, notice_hours=0, horizon_days=7),
    )
    # 01:30 CET, then 02:00 and 02:30 do not exist, then 03:00 CEST.
    assert starts(berlin, utc(2026, 3, 28), until=utc(2026, 3, 30)) == [
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1),
    ]
    new_york = Hours(
        "America/New_York",
        (window(SUN, "01:00", "04:00"),),
        rules=BookingRules(notice_hours=0, horizon_days=7),
    )
    assert starts(new_york, utc(2026, 3, 7), until=utc(2026, 3, 9)) == [
        utc(2026, 3, 8, 6),
        utc(2026, 3, 8, 7),
    ]


def test_a_session_the_spring_jump_would_carry_past_the_windows_end_does_not_fit() -> None:
    # 01:30 CET + 60 minutes is 03:30 CEST on the wall clock: past a window that ends at 03:00.
    hours = Hours(
        "Europe/Berlin",
        (window(SUN, "01:30", "03:00"),),
        rules=BookingRules(60, notice_hours=0, horizon_days=7),
    )
    assert starts(hours, utc(2026, 3, 28), until=utc(2026, 3, 30)) == []
    assert starts(hours, utc(2026, 3, 21), until=utc(2026, 3, 23)) == [
        utc(2026, 3, 22, 0, 30)
    ]  # a week before


def test_a_local_time_the_clocks_repeat_has_one_slot_the_first_time() -> None:
    berlin = Hours(
        "Europe/Berlin",
        (window(SUN, "02:00", "03:00"),),
        rules=BookingRules(30, notice_hours=0, horizon_days=7),
    )
    now = utc(2026, 10, 24)
    assert starts(berlin, now, until=utc(2026, 10, 26)) == [utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30)]
    assert why_not_open(berlin, Booked(), utc(2026, 10, 25, 1), now=now) == Closed.NOT_A_SLOT  # 02:00 again
    new_york = Hours(
        "America/New_York",
        (window(SUN, "01:00", "02:00"),),
        rules=BookingRules(30, notice_hours=0, horizon_days=7),
    )
    now = utc(2026, 10, 31)
    assert starts(new_york, now, until=utc(2026, 11, 2)) == [utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30)]
    assert why_not_open(new_york, Booked(), utc(2026, 11, 1, 6), now=now) == Closed.NOT_A_SLOT


def test_a_weekly_series_keeps_the_wall_time_and_names_a_skipped_week() -> None:
    assert same_wall_time("Europe/Berlin", utc(2026, 3, 22, 17), 3) == [
        utc(2026, 3, 22, 17),
        utc(2026, 3, 29, 16),
        utc(2026, 4, 5, 16),
    ]
    assert same_wall_time("Europe/Berlin", utc(2026, 3, 22, 1, 30), 2) == [utc(2026, 3, 22, 1, 30), None]


# ---- a mentor and a student in different zones ------------------------------------------------------


def test_a_student_in_new_york_reads_a_berlin_mentors_18_00_as_the_clocks_move_apart_and_back() -> None:
    hours = Hours("Europe/Berlin", (window(MON, "18:00", "19:00"),), rules=OPEN_ALL_YEAR)
    now = utc(2026, 3, 1, 12)
    labels = [
        slot_label(slot.starts_at, slot.minutes, zone="America/New_York", now=now)
        for slot in open_slots(hours, Booked(), now=now, limit=5)
    ]
    assert labels == [
        "Mon 02 Mar 12:00–13:00 (in 1 day)",
        "Mon 09 Mar 13:00–14:00 (in 8 days)",  # New York moved on 8 Mar, Berlin not yet
        "Mon 16 Mar 13:00–14:00 (in 15 days)",
        "Mon 23 Mar 13:00–14:00 (in 22 days)",
        "Mon 30 Mar 12:00–13:00 (in 29 days)",  # Berlin moved on 29 Mar
    ]


def test_the_students_session_closes_a_slot_whatever_zone_either_is_in() -> None:
    hours = Hours("Asia/Tokyo", (window(TUE, "09:00", "12:00"),), rules=OPEN_ALL_YEAR)
    # The student (in New York, say) has a session with another mentor on Monday 19:30–20:30 their time:
    # Tuesday 09:30–10:30 in Tokyo.
    theirs = Busy(datetime(2026, 1, 12, 19, 30, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC), 60)
    found = starts(hours, utc(2026, 1, 10), Booked(student=(theirs,)), until=utc(2026, 1, 14))
    assert found == [utc(2026, 1, 13, 2)]  # 11:00 in Tokyo; 09:00 and 10:00 overlap theirs


# ---- the rules --------------------------------------------------------------------------------------------


def test_slots_step_by_length_plus_buffer_while_the_session_fits() -> None:
    rules = BookingRules(60, buffer_minutes=15, notice_hours=0, horizon_days=7)
    hours = Hours("UTC", (window(MON, "09:00", "13:00"),), rules=rules)
    assert starts(hours, utc(2026, 1, 4)) == [
        utc(2026, 1, 5, 9),
        utc(2026, 1, 5, 10, 15),
        utc(2026, 1, 5, 11, 30),
    ]


def test_a_slot_within_the_buffer_of_a_mentors_session_is_taken_and_one_just_clear_of_it_is_open() -> None:
    rules = BookingRules(60, buffer_minutes=15, notice_hours=0, horizon_days=7)
    hours = Hours("UTC", (window(MON, "09:00", "13:00"),), rules=rules)
    before = Busy(utc(2026, 1, 5, 8), 45)  # ends 08:45: exactly the buffer before 09:00
    after = Busy(utc(2026, 1, 5, 12, 40), 30)  # starts 10 minutes after the 11:30 slot ends
    booked = Booked(mentor=(before, after))
    now = utc(2026, 1, 4)
    assert starts(hours, now, booked) == [utc(2026, 1, 5, 9), utc(2026, 1, 5, 10, 15)]
    assert why_not_open(hours, booked, utc(2026, 1, 5, 11, 30), now=now) == Closed.TAKEN
    just_inside = Booked(mentor=(Busy(utc(2026, 1, 5, 8), 50),))  # ends 08:50: inside 09:00's buffer
    assert why_not_open(hours, just_inside, utc(2026, 1, 5, 9), now=now) == Closed.TAKEN


def test_the_buffer_is_the_mentors_a_students_session_ending_at_the_start_leaves_the_slot_open() -> None:
    rules = BookingRules(60, buffer_minutes=30, notice_hours=0, horizon_days=7)
    hours = Hours("UTC", (window(MON, "09:00", "10:00"),), rules=rules)
    booked = Booked(student=(Busy(utc(2026, 1, 5, 8), 60),))
    assert starts(hours, utc(2026, 1, 4), booked) == [utc(2026, 1, 5, 9)]


def test_a_full_day_in_the_mentors_zone_closes_its_slots_and_leaves_the_next_day_open() -> None:
    rules = BookingRules(60, notice_hours=0, horizon_days=7, daily_max=2)
    hours = Hours("Asia/Tokyo", (window(TUE, "09:00", "12:00"), window(WED, "09:00", "10:00")), rules=rules)
    # Monday 23:30 UTC is Tuesday 08:30 in Tokyo: it counts for Tuesday, like the 13:00 one.
    booked = Booked(mentor=(Busy(utc(2026, 1, 12, 23, 30), 30), Busy(utc(2026, 1, 13, 4), 60)))
    now = utc(2026, 1, 11)
    assert starts(hours, now, booked, until=utc(2026, 1, 15)) == [utc(2026, 1, 14, 0)]  # Wednesday 09:00
    assert why_not_open(hours, booked, utc(2026, 1, 13, 1), now=now) == Closed.DAY_FULL


def test_no_cap_leaves_every_free_slot_open() -> None:
    rules = BookingRules(60, notice_hours=0, horizon_days=7, daily_max=0)
    hours = Hours("UTC", (window(TUE, "09:00", "12:00"),), rules=rules)
    booked = Booked(mentor=tuple(Busy(utc(2026, 1, 13, hour), 60) for hour in (0, 1, 2, 3, 4)))
    assert len(starts(hours, utc(2026, 1, 11), booked)) == 3


def test_a_slot_needs_the_minimum_notice() -> None:
    rules = BookingRules(60, notice_hours=24, horizon_days=7)
    hours = Hours("UTC", (window(MON, "12:00", "13:00"), window(TUE, "09:00", "11:00")), rules=rules)
    now = utc(2026, 1, 5, 10)
    assert starts(hours, now, until=utc(2026, 1, 7)) == [utc(2026, 1, 6, 10)]  # exactly 24 hours ahead
    assert why_not_open(hours, Booked(), utc(2026, 1, 6, 9), now=now) == Closed.TOO_SOON


def test_a_slot_is_at_most_the_horizon_ahead() -> None:
    rules = BookingRules(60, notice_hours=0, horizon_days=7)
    hours = Hours("UTC", (window(MON, "10:00", "12:00"),), rules=rules)
    now = utc(2026, 1, 5, 10)
    assert starts(hours, now) == [utc(2026, 1, 5, 10), utc(2026, 1, 5, 11), utc(2026, 1, 12, 10)]
    assert why_not_open(hours, Booked(), utc(2026, 1, 12, 11), now=now) == Closed.TOO_FAR


def test_days_off_are_the_mentors_local_dates() -> None:
    rules = BookingRules(60, notice_hours=0, horizon_days=14)
    # Tuesday 07:00 in Tokyo is Monday 22:00 UTC.
    hours = Hours(
        "Asia/Tokyo",
        (window(TUE, "07:00", "08:00"),),
        (DaysOff(date(2026, 1, 13), date(2026, 1, 14)),),
        rules,
    )
    now = utc(2026, 1, 10)
    assert starts(hours, now) == [utc(2026, 1, 5 + 14, 22)]  # the Tuesday after
    assert why_not_open(hours, Booked(), utc(2026, 1, 12, 22), now=now) == Closed.DAY_OFF


def test_the_pack_end_bounds_the_slots_and_its_own_instant_is_still_open() -> None:
    hours = Hours(
        "UTC", (window(WED, "12:00", "14:00"),), rules=BookingRules(60, notice_hours=0, horizon_days=30)
    )
    now, pack_end = utc(2026, 1, 5), utc(2026, 1, 7, 12)
    assert starts(hours, now, not_after=pack_end) == [utc(2026, 1, 7, 12)]
    assert (
        why_not_open(hours, Booked(), utc(2026, 1, 7, 13), now=now, not_after=pack_end)
        == Closed.AFTER_PACK_END
    )


def test_the_students_session_comes_before_the_mentors_in_the_reason_given() -> None:
    hours = Hours(
        "UTC", (window(MON, "09:00", "10:00"),), rules=BookingRules(60, notice_hours=0, horizon_days=7)
    )
    same = Busy(utc(2026, 1, 5, 9), 60)  # the student's booking with this mentor: both calendars hold it
    assert (
        why_not_open(hours, Booked((same,), (same,)), utc(2026, 1, 5, 9), now=utc(2026, 1, 4))
        == Closed.STUDENT_BUSY
    )


def test_windows_of_one_day_come_out_in_order_and_a_range_and_count_limit_them() -> None:
    hours = Hours(
        "UTC",
        (window(MON, "14:00", "15:00"), window(MON, "09:00", "10:00"), window(SUN, "20:00", "21:00")),
        rules=BookingRules(60, notice_hours=0, horizon_days=14),
    )
    now = utc(2026, 1, 4)
    assert starts(hours, now, limit=3) == [utc(2026, 1, 4, 20), utc(2026, 1, 5, 9), utc(2026, 1, 5, 14)]
    assert starts(hours, now, since=utc(2026, 1, 5, 9, 1), until=utc(2026, 1, 11, 21)) == [
        utc(2026, 1, 5, 14),
        utc(2026, 1, 11, 20),
    ]
    assert starts(hours, now, limit=0) == []


def test_an_instant_between_slots_is_no_slot_and_the_cheap_check_agrees_with_the_list() -> None:
    hours = Hours("Europe/Berlin", (window(THU, "18:00", "20:00"),), rules=OPEN_ALL_YEAR)
    now = utc(2026, 1, 5)
    listed = open_slots(hours, Booked(), now=now, limit=4)
    assert all(is_open(hours, Booked(), slot.starts_at, now=now) for slot in listed)
    assert why_not_open(hours, Booked(), utc(2026, 1, 8, 17, 30), now=now) == Closed.NOT_A_SLOT


def test_a_slot_label_fits_a_discord_choice_and_says_the_year_and_the_next_day_when_it_must() -> None:
    now = utc(2026, 12, 20)
    assert (
        slot_label(utc(2027, 1, 5, 23), 90, zone="UTC", now=now)
        == "Tue 05 Jan 2027 23:00–Wed 00:30 (in 17 days)"
    )
    long_zone = "America/Argentina/ComodRivadavia"
    assert len(slot_label(utc(2027, 1, 5, 23), 90, zone=long_zone, now=now, with_zone=True)) <= 100


# ---- a property: the function against a brute-force reading of R21 -----------------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Lord_Howe", "America/Santiago")


@st.composite
def situations(draw: st.DrawFn) -> tuple[Hours, Booked, datetime, datetime | None]:
    zone = draw(st.sampled_from(ZONES))
    windows = []
    for day in draw(st.sets(st.integers(0, 6), max_size=4)):
        cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=4)))
        windows += [Window(day, cuts[i] * 15, cuts[i + 1] * 15) for i in range(0, len(cuts) - 1, 2)]
    rules = BookingRules(
        length_minutes=draw(st.sampled_from((15, 30, 45, 60, 90))),
        buffer_minutes=draw(st.sampled_from((0, 5, 15, 30))),
        notice_hours=draw(st.integers(0, 48)),
        daily_max=draw(st.integers(0, 3)),
        horizon_days=draw(st.integers(1, 14)),
    )
    now = draw(st.datetimes(utc(2026, 1, 1).replace(tzinfo=None), utc(2026, 12, 1).replace(tzinfo=None)))
    now = now.replace(tzinfo=UTC)
    # On quarter hours, as slots are, so that sessions end right at, or just inside, a slot's buffer.
    hour = now.replace(minute=0, second=0, microsecond=0)
    busy = st.builds(
        Busy,
        st.integers(-2 * 96, 16 * 96).map(lambda quarter: hour + timedelta(minutes=15 * quarter)),
        st.sampled_from((15, 30, 45, 60, 90, 120)),
    )
    first = draw(st.integers(-2, 20))
    days_off = tuple(
        DaysOff(now.date() + timedelta(days=first), now.date() + timedelta(days=first + length))
        for length in draw(st.lists(st.integers(0, 3), max_size=1))
    )
    not_after = draw(st.none() | st.integers(0, 30 * 24).map(lambda h: now + timedelta(hours=h)))
    booked = Booked(tuple(draw(st.lists(busy, max_size=30))), tuple(draw(st.lists(busy, max_size=10))))
    return Hours(zone, tuple(windows), days_off, rules), booked, now, not_after


def _candidates(hours: Hours, now: datetime) -> list[tuple[Slot, date]]:
    """Every start time of the windows, built the slow way: wall time, fold 0, round trip."""
    tz, rules = ZoneInfo(hours.zone), hours.rules
    found = []
    for offset in range(-2, rules.horizon_days + 3):
        day = now.astimezone(tz).date() + timedelta(days=offset)
        for win in (w for w in hours.windows if w.weekday == day.weekday()):
            for minute in range(
                win.start_minute,
                win.end_minute - rules.length_minutes + 1,
                rules.length_minutes + rules.buffer_minutes,
            ):
                wall = datetime.combine(day, time()) + timedelta(minutes=minute)
                start = wall.replace(tzinfo=tz).astimezone(UTC)
                end_wall = (
                    (start + timedelta(minutes=rules.length_minutes)).astimezone(tz).replace(tzinfo=None)
                )
                window_end = datetime.combine(day, time()) + timedelta(minutes=win.end_minute)
                if start.astimezone(tz).replace(tzinfo=None) == wall and end_wall <= window_end:
                    found.append((Slot(start, rules.length_minutes), day))
    return found


def _overlap(start: datetime, end: datetime, sessions: tuple[Busy, ...]) -> bool:
    return any(s.starts_at < end and start < s.ends_at for s in sessions)


def _open_by_hand(hours: Hours, booked: Booked, now: datetime, not_after: datetime | None) -> list[Slot]:
    tz, rules = ZoneInfo(hours.zone), hours.rules
    buffer = timedelta(minutes=rules.buffer_minutes)
    expected = []
    for slot, day in _candidates(hours, now):
        on_day = sum(1 for s in booked.mentor if s.starts_at.astimezone(tz).date() == day)
        if (
            now + timedelta(hours=rules.notice_hours)
            <= slot.starts_at
            <= now + timedelta(days=rules.horizon_days)
            and (not_after is None or slot.starts_at <= not_after)
            and not any(off.first <= day <= off.last for off in hours.days_off)
            and not _overlap(slot.starts_at - buffer, slot.ends_at + buffer, booked.mentor)
            and not _overlap(slot.starts_at, slot.ends_at, booked.student)
            and not (rules.daily_max and on_day >= rules.daily_max)
        ):
            expected.append(slot)
    return sorted(expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_the_open_slots_are_exactly_those_a_brute_force_reading_of_the_rule_finds(
    situation: tuple[Hours, Booked, datetime, datetime | None],
) -> None:
    hours, booked, now, not_after = situation
    found = open_slots(hours, booked, now=now, not_after=not_after)
    assert found == _open_by_hand(hours, booked, now, not_after)
    assert found == sorted(found)
    for slot in found:
        assert why_not_open(hours, booked, slot.starts_at, now=now, not_after=not_after) is None
    for slot, _ in _candidates(hours, now):
        if slot not in found:
            assert why_not_open(hours, booked, slot.starts_at, now=now, not_after=not_after) is not None


@pytest.mark.parametrize("zone", ZONES)
def test_every_listed_slot_starts_at_a_window_start_plus_whole_steps_on_the_wall_clock(zone: str) -> None:
    rules = BookingRules(45, buffer_minutes=15, notice_hours=0, horizon_days=90)
    hours = Hours(zone, tuple(window(day, "00:00", "24:00") for day in range(7)), rules=rules)
    for slot in open_slots(hours, Booked(), now=utc(2026, 3, 1)):
        local = slot.starts_at.astimezone(ZoneInfo(zone))
        assert (local.hour * 60 + local.minute) % 60 == 0
