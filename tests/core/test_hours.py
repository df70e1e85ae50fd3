"""R21: a mentor publishes weekly hours and days off and sets how they are booked (``/hours add``,
``remove``, ``off``, ``rules``, ``show``), on their own hours or, for an admin, on any mentor's; every
refusal is one sentence and changes nothing. Runs on a SQLite file, and on PostgreSQL when
``TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select

from core import hours
from core.domain import Actor
from core.errors import InvalidInput, NotAllowed, NotFound
from core.hours.results import DEFAULT, MENTORS_OWN, SERVERS
from core.schema import hours_days_off, hours_rules, hours_windows
from core.settings import ServerFacts, set_server_setting, set_time_zone
from tests.conftest import ADMIN, GUILD, START, Program
from tests.core.helpers import OTHER_GUILD, history_rows, snapshot

MENTOR, OTHER_MENTOR, STUDENT = 10, 11, 20
# START is Monday 5 Jan 2026, 12:00 UTC; the server's defaults: 24 hours' notice, 28 days ahead.


async def add(program: Program, day: str, start: str, end: str, *, by: int = MENTOR, **options: Any) -> Any:
    return await program.service.write(
        hours.add_window,
        guild_id=program.guild_id,
        actor=_actor(by),
        day=day,
        start=start,
        end=end,
        **options,
    )


async def off(
    program: Program, first: str, last: str | None = None, *, by: int = MENTOR, **options: Any
) -> Any:
    return await program.service.write(
        hours.add_days_off, guild_id=program.guild_id, actor=_actor(by), first=first, last=last, **options
    )


async def rules(program: Program, *, by: int = MENTOR, **options: Any) -> Any:
    return await program.service.write(
        hours.set_booking_rules, guild_id=program.guild_id, actor=_actor(by), **options
    )


async def show(program: Program, *, by: int = MENTOR, **options: Any) -> hours.HoursShown:
    return await program.service.read(
        hours.hours_shown, guild_id=program.guild_id, actor=_actor(by), **options
    )


async def zone(program: Program, user_id: int, name: str) -> None:
    await program.service.write(set_time_zone, guild_id=program.guild_id, user_id=user_id, zone=name)


async def server_setting(program: Program, name: str, value: str) -> None:
    await program.service.write(
        set_server_setting, guild_id=program.guild_id, actor=ADMIN, name=name, text=value, facts=ServerFacts()
    )


def _actor(user_id: int) -> Actor:
    return ADMIN if user_id == ADMIN.user_id else Actor(user_id)


def _hours_tables(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table.name: sorted(tuple(row) for row in connection.execute(select(table)))
        for table in (hours_windows, hours_days_off, hours_rules)
    }


@asynccontextmanager
async def changes_nothing(program: Program) -> AsyncIterator[None]:
    """The block (a refusal) leaves every table, the hours' included, as it found it."""
    before = (await snapshot(program), await program.service.db.read(_hours_tables))
    yield
    assert (await snapshot(program), await program.service.db.read(_hours_tables)) == before


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# ---- publishing hours ---------------------------------------------------------------------------------


async def test_a_mentor_publishes_a_window_in_their_own_zone_and_show_lists_it_with_the_next_open_slots(
    program: Program,
) -> None:
    await program.mentor(MENTOR)
    await zone(program, MENTOR, "Europe/Berlin")
    added = await add(program, "tue", "18:00", "20:00")
    assert (added.shown.label, added.zone, added.already) == ("Tue 18:00–20:00", "Europe/Berlin", False)
    shown = await show(program, slots=3)
    assert [window.label for window in shown.windows] == ["Tue 18:00–20:00"]
    assert [slot.starts_at for slot in shown.next_slots] == [utc(1, 6, 17), utc(1, 6, 18), utc(1, 13, 17)]
    [entry] = await history_rows(program, "hours_window_added")
    assert entry.actor_id == MENTOR
    assert json.loads(entry.detail) == {
        "mentor_user_id": MENTOR,
        "day": "tue",
        "start": "18:00",
        "end": "20:00",
        "zone": "Europe/Berlin",
    }


async def test_without_a_zone_of_their_own_a_mentors_hours_are_in_the_servers_zone(program: Program) -> None:
    await program.mentor(MENTOR)
    await server_setting(program, "time_zone", "America/New_York")
    await add(program, "wed", "09:00", "10:00")
    shown = await show(program, slots=1)
    assert shown.zone == "America/New_York"
    assert [slot.starts_at for slot in shown.next_slots] == [utc(1, 7, 14)]


async def test_windows_may_touch_and_the_same_window_twice_adds_nothing(program: Program) -> None:
    await program.mentor(MENTOR)
    await add(program, "mon", "17:00", "18:00")
    await add(program, "mon", "18:00", "24:00")
    again = await add(program, "MONDAY", "17:00", "18:00")
    assert again.already
    assert [window.label for window in (await show(program)).windows] == [
        "Mon 17:00–18:00",
        "Mon 18:00–24:00",
    ]
    assert len(await history_rows(program, "hours_window_added")) == 2


@pytest.mark.parametrize(
    ("day", "start", "end", "says"),
    [
        ("tue", "18:00", "17:00", "ends after it starts"),
        ("tue", "18:00", "18:00", "ends after it starts"),
        ("tue", "17:30", "19:00", "overlaps your window Tue 18:00–20:00"),
        ("tue", "18:30", "19:00", "overlaps your window Tue 18:00–20:00"),
        ("tue", "25:00", "26:00", "“25:00” is not a time of day"),
        ("tue", "24:00", "24:00", "“24:00” is not a time of day"),
        ("tue", "9am", "10:00", "“9am” is not a time of day"),
        ("funday", "09:00", "10:00", "“funday” is not a day of the week"),
    ],
)
async def test_a_window_that_cannot_be_is_refused_and_changes_nothing(
    program: Program, day: str, start: str, end: str, says: str
) -> None:
    await program.mentor(MENTOR)
    await add(program, "tue", "18:00", "20:00")
    async with changes_nothing(program):
        with pytest.raises(InvalidInput) as refused:
            await add(program, day, start, end)
    assert says in refused.value.message


async def test_removing_a_window_takes_it_out_and_only_its_mentor_or_an_admin_can(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.mentor(OTHER_MENTOR)
    window = (await add(program, "thu", "10:00", "12:00")).shown.window_id
    async with changes_nothing(program):
        with pytest.raises(NotFound, match="not in your hours"):
            await program.service.write(
                hours.remove_window, guild_id=GUILD, actor=Actor(OTHER_MENTOR), window_id=window
            )
    removed = await program.service.write(
        hours.remove_window, guild_id=GUILD, actor=ADMIN, window_id=window, mentor_user_id=MENTOR
    )
    assert removed.shown.label == "Thu 10:00–12:00"
    assert (await show(program)).windows == ()
    with pytest.raises(NotFound):
        await program.service.write(
            hours.remove_window, guild_id=GUILD, actor=Actor(MENTOR), window_id=window
        )
    [entry] = await history_rows(program, "hours_window_removed")
    assert entry.actor_id == ADMIN.user_id


async def test_remove_offers_the_mentors_windows_as_they_type(program: Program) -> None:
    await program.mentor(MENTOR)
    await add(program, "mon", "09:00", "10:00")
    await add(program, "fri", "14:00", "16:00")
    choices = await program.service.read(
        hours.window_choices, guild_id=GUILD, actor=Actor(MENTOR), typed="fri"
    )
    assert [choice.label for choice in choices] == ["Fri 14:00–16:00"]
    assert await program.service.read(hours.window_choices, guild_id=GUILD, actor=Actor(STUDENT)) == []


# ---- who may ------------------------------------------------------------------------------------------


async def test_someone_who_is_not_a_mentor_is_told_that_an_admin_registers_mentors(program: Program) -> None:
    async with changes_nothing(program):
        with pytest.raises(NotFound, match="an admin registers mentors with /mentor add"):
            await add(program, "mon", "09:00", "10:00", by=STUDENT)
        with pytest.raises(NotFound, match="an admin registers mentors"):
            await show(program, by=STUDENT)


async def test_a_mentor_cannot_touch_another_mentors_hours_and_an_admin_can_touch_any(
    program: Program,
) -> None:
    await program.mentor(MENTOR)
    await program.mentor(OTHER_MENTOR)
    async with changes_nothing(program):
        with pytest.raises(NotAllowed, match="Only an admin can change another mentor's hours"):
            await add(program, "mon", "09:00", "10:00", by=OTHER_MENTOR, mentor_user_id=MENTOR)
        with pytest.raises(NotAllowed, match="Only an admin can see another mentor's hours"):
            await show(program, by=OTHER_MENTOR, mentor_user_id=MENTOR)
        with pytest.raises(NotFound, match="name the mentor with the mentor option"):
            await add(program, "mon", "09:00", "10:00", by=ADMIN.user_id)
        with pytest.raises(NotFound, match=f"<@{STUDENT}> is not a mentor here"):
            await add(program, "mon", "09:00", "10:00", by=ADMIN.user_id, mentor_user_id=STUDENT)
    added = await add(program, "mon", "09:00", "10:00", by=ADMIN.user_id, mentor_user_id=MENTOR)
    assert added.mentor_user_id == MENTOR
    assert [w.label for w in (await show(program, by=ADMIN.user_id, mentor_user_id=MENTOR)).windows] == [
        "Mon 09:00–10:00"
    ]


async def test_a_mentor_of_another_server_is_no_mentor_here(program: Program) -> None:
    await program.mentor(MENTOR)
    elsewhere = Program(program.service, program.clock, guild_id=OTHER_GUILD)
    with pytest.raises(NotFound, match="You are not a mentor here"):
        await add(elsewhere, "mon", "09:00", "10:00")


# ---- days off -----------------------------------------------------------------------------------------


async def test_days_off_are_whole_days_in_the_mentors_zone_and_close_their_slots(program: Program) -> None:
    await program.mentor(MENTOR, seats=2)
    await zone(program, MENTOR, "Asia/Tokyo")  # it is Monday 21:00 there
    await add(program, "wed", "09:00", "10:00")  # Wednesday 09:00 in Tokyo is Tuesday 00:00 UTC
    await add(program, "thu", "09:00", "10:00")
    await program.grant(STUDENT)
    await program.schedule(STUDENT, at=utc(1, 14, 3))  # Wednesday 14 Jan, 12:00 in Tokyo
    added = await off(program, "2026-01-07", "14 jan")
    assert (added.shown.first, added.shown.last, added.sessions_booked) == (
        date(2026, 1, 7),
        date(2026, 1, 14),
        1,
    )
    assert added.shown.label == "Wed 07 Jan – Wed 14 Jan 2026"
    shown = await show(program, slots=2)
    assert [slot.starts_at for slot in shown.next_slots] == [utc(1, 15, 0), utc(1, 21, 0)]  # Thu 15, Wed 21
    assert [d.label for d in shown.days_off] == ["Wed 07 Jan – Wed 14 Jan 2026"]
    assert (await off(program, "2026-01-08", "2026-01-09")).already


async def test_days_off_already_behind_are_not_shown(program: Program) -> None:
    await program.mentor(MENTOR)
    await off(program, "tomorrow")
    assert len((await show(program)).days_off) == 1
    await program.later(days=2)
    assert (await show(program)).days_off == ()


@pytest.mark.parametrize(
    ("first", "last", "says"),
    [
        ("2026-01-04", None, "is in the past (today is Mon 05 Jan 2026 in UTC)"),
        ("2026-01-10", "2026-01-08", "is before the first"),
        ("12/03", None, "could be read two ways"),
        ("someday", None, "I can't read “someday” as a day"),
    ],
)
async def test_days_off_that_cannot_be_are_refused_and_change_nothing(
    program: Program, first: str, last: str | None, says: str
) -> None:
    await program.mentor(MENTOR)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput) as refused:
            await off(program, first, last)
    assert says in refused.value.message


async def test_today_is_the_mentors_today(program: Program) -> None:
    await program.mentor(MENTOR)
    await zone(program, MENTOR, "Pacific/Honolulu")  # still Monday 5 Jan there... at 02:00
    await program.later(hours=12)  # Tuesday 00:00 UTC: Monday 14:00 in Honolulu
    assert (await off(program, "today")).shown.first == date(2026, 1, 5)


# ---- booking rules ----------------------------------------------------------------------------------------


async def test_the_rules_in_force_say_where_each_comes_from(program: Program) -> None:
    await program.mentor(MENTOR)
    await server_setting(program, "min_notice_hours", "2")
    shown = {rule.name: (rule.value, rule.source) for rule in (await show(program)).rules}
    assert shown == {
        "length": (60, DEFAULT),
        "buffer": (0, DEFAULT),
        "notice_hours": (2, SERVERS),
        "daily_max": (0, DEFAULT),
        "horizon_days": (28, DEFAULT),
    }
    changed = await rules(program, buffer=10, horizon_days=14)
    assert changed.changed == ("buffer", "horizon_days")
    now = {rule.name: (rule.value, rule.source) for rule in changed.rules}
    assert now["buffer"] == (10, MENTORS_OWN)
    assert now["horizon_days"] == (14, MENTORS_OWN)
    assert now["notice_hours"] == (2, SERVERS)
    await rules(program, length=30)  # an option left out keeps its value
    kept = {rule.name: (rule.value, rule.source) for rule in (await show(program)).rules}
    assert kept["buffer"] == (10, MENTORS_OWN)
    assert kept["length"] == (30, MENTORS_OWN)
    [first, second] = await history_rows(program, "hours_rules_set")
    assert json.loads(first.detail) == {"mentor_user_id": MENTOR, "buffer": 10, "horizon_days": 14}
    assert json.loads(second.detail) == {"mentor_user_id": MENTOR, "length": 30}


async def test_the_rules_shape_the_slots(program: Program) -> None:
    await program.mentor(MENTOR)
    await add(program, "tue", "09:00", "11:00")
    await rules(program, length=30, buffer=15, notice_hours=0, horizon_days=2)
    shown = await show(program)
    assert [slot.starts_at for slot in shown.next_slots] == [
        utc(1, 6, 9),
        utc(1, 6, 9, 45),
        utc(1, 6, 10, 30),
    ]
    assert {slot.minutes for slot in shown.next_slots} == {30}


async def test_no_option_changes_nothing_and_answers_the_rules_in_force(program: Program) -> None:
    await program.mentor(MENTOR)
    async with changes_nothing(program):
        answered = await rules(program)
    assert answered.changed == ()
    assert len(answered.rules) == 5


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("length", 14, "A session lasts 15 to 240 minutes; you gave 14."),
        ("length", 241, "A session lasts 15 to 240 minutes; you gave 241."),
        ("buffer", 121, "The buffer between sessions is 0 to 120 minutes; you gave 121."),
        ("notice_hours", 169, "The minimum notice is 0 to 168 hours; you gave 169."),
        ("daily_max", -1, "The most sessions a day is 0 (no cap) to 96; you gave -1."),
        ("horizon_days", 0, "Bookings reach 1 to 90 days ahead; you gave 0."),
        ("horizon_days", 91, "Bookings reach 1 to 90 days ahead; you gave 91."),
    ],
)
async def test_a_rule_out_of_bounds_is_refused_and_changes_nothing(
    program: Program, option: str, value: int, says: str
) -> None:
    await program.mentor(MENTOR)
    await rules(program, buffer=5)
    async with changes_nothing(program):
        with pytest.raises(InvalidInput) as refused:
            await rules(program, **{option: value, "length": 45} if option != "length" else {option: value})
    assert refused.value.message == says


async def test_the_server_default_applies_until_the_mentor_sets_their_own(program: Program) -> None:
    await program.mentor(MENTOR)
    await add(program, "mon", "13:00", "14:00")
    await server_setting(program, "min_notice_hours", "0")
    assert [slot.starts_at for slot in (await show(program, slots=1)).next_slots] == [START.replace(hour=13)]
    await rules(program, notice_hours=48)
    assert [slot.starts_at for slot in (await show(program, slots=1)).next_slots] == [
        START.replace(hour=13) + timedelta(days=7)
    ]
