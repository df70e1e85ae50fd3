"""R21 through Discord: a mentor publishes hours with /hours add, remove, off and rules, and sees
them with /hours show; an admin acts for any mentor; a bad window or day off is one sentence and
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot.helpers import Desk, embed_text, field, refused, snapshot, when
from tests.conftest import START, Server

# START is Monday 5 Jan 2026, 12:00 UTC; the server's zone is UTC.


async def test_a_mentor_publishes_a_window_and_show_lists_it_with_the_next_open_slots(server: Server) -> None:
    await Desk(server).mentor()

    added = await server.mentor.slash(server.channel, "hours add", day="wed", start="18:00", end="20:00")
    shown = await server.mentor.slash(server.channel, "hours show")

    assert added.ephemeral
    assert added.response.content.startswith("Wed 18:00–20:00 (UTC) is now in your weekly hours;")
    (embed,) = shown.response.embeds
    assert field(embed, "Weekly hours (UTC)") == "Wed 18:00–20:00"
    assert field(embed, "Days off") == "None ahead."
    assert field(embed, "Booking rules").splitlines()[0] == "Sessions last 60 minutes (default)"
    wednesday = START.replace(hour=18) + timedelta(days=2)
    assert field(embed, "Next open slots").splitlines()[:3] == [
        when(wednesday),
        when(wednesday + timedelta(hours=1)),
        when(wednesday + timedelta(days=7)),
    ]
    assert server.env.errors == []


async def test_remove_offers_the_windows_and_takes_one_out(server: Server) -> None:
    await Desk(server).mentor()
    await server.mentor.slash(server.channel, "hours add", day="tue", start="09:00", end="12:00")
    await server.mentor.slash(server.channel, "hours add", day="thu", start="14:00", end="16:30")

    choices = await server.mentor.autocomplete(server.channel, "hours remove", "window", "thu")
    assert [choice["name"] for choice in choices] == ["Thu 14:00–16:30"]
    removed = await server.mentor.slash(server.channel, "hours remove", window=choices[0]["value"])

    assert removed.response.content == (
        "Thu 14:00–16:30 (UTC) is no longer in your hours; sessions already booked in it stay booked."
    )
    embed = (await server.mentor.slash(server.channel, "hours show")).response.embeds[0]
    assert field(embed, "Weekly hours") == "Tue 09:00–12:00"


async def test_days_off_and_rules_show_in_the_mentors_hours(server: Server) -> None:
    await Desk(server).mentor()
    await server.mentor.slash(server.channel, "hours add", day="tue", start="09:00", end="12:00")

    off = await server.mentor.slash(server.channel, "hours off", **{"from": "2026-01-13", "to": "2026-01-14"})
    rules = await server.mentor.slash(server.channel, "hours rules", length=45, buffer=15, daily_max=2)

    assert (
        off.response.content
        == "Tue 13 Jan – Wed 14 Jan 2026 (UTC) is off in your hours: no slot is open then."
    )
    assert rules.response.content.splitlines()[:3] == [
        "Booking rules updated for your hours:",
        "- Sessions last 45 minutes (set with /hours rules)",
        "- 15 minutes between sessions (set with /hours rules)",
    ]
    embed = (await server.mentor.slash(server.channel, "hours show")).response.embeds[0]
    assert field(embed, "Days off") == "Tue 13 Jan – Wed 14 Jan 2026"
    assert "At most 2 sessions a day (set with /hours rules)" in field(embed, "Booking rules")
    slots = field(embed, "Next open slots")
    # Tuesday the 6th is within the 24 hours' notice and the 13th is off: Tuesday the 20th at 09:00,
    # 10:00 (45 + 15 minutes later).
    assert slots.splitlines()[:2] == [
        when(START.replace(hour=9) + timedelta(days=15)),
        when(START.replace(hour=10) + timedelta(days=15)),
    ]


async def test_an_admin_acts_for_any_mentor_and_a_mentor_only_for_themself(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.mentor(who=server.other_student)  # bob mentors too

    added = await server.admin.slash(
        server.channel, "hours add", day="fri", start="10:00", end="11:00", mentor=server.mentor
    )
    shown = await server.admin.slash(server.channel, "hours show", mentor=server.mentor)
    text = await refused(
        server,
        server.other_student.slash(
            server.channel, "hours add", day="fri", start="12:00", end="13:00", mentor=server.mentor
        ),
    )

    assert added.response.content.startswith(f"Fri 10:00–11:00 (UTC) is now in {server.mentor.mention}'s")
    assert "Fri 10:00–11:00" in embed_text(shown.response.embeds[0])
    assert text == (
        "Only an admin can change another mentor's hours; leave out the mentor option to change your own."
    )


async def test_someone_who_is_not_a_mentor_is_told_an_admin_registers_mentors(server: Server) -> None:
    text = await refused(server, server.student.slash(server.channel, "hours show"))
    assert "an admin registers mentors with /mentor add" in text


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (
            {"day": "mon", "start": "18:00", "end": "17:00"},
            "A window ends after it starts, on the same day (you gave Mon 18:00–17:00);",
        ),
        ({"day": "mon", "start": "09:30", "end": "10:30"}, "overlaps your window Mon 09:00–10:00"),
        ({"day": "mon", "start": "25:00", "end": "26:00"}, "25:00"),
    ],
)
async def test_a_window_that_cannot_be_is_one_sentence_and_changes_nothing(
    server: Server, options: dict[str, str], says: str
) -> None:
    await Desk(server).mentor()
    await server.mentor.slash(server.channel, "hours add", day="mon", start="09:00", end="10:00")
    before = await snapshot(server.env.bot)

    text = await refused(server, server.mentor.slash(server.channel, "hours add", **options))

    assert says in text
    assert await snapshot(server.env.bot) == before


async def test_a_day_off_in_the_past_is_one_sentence_and_changes_nothing(server: Server) -> None:
    await Desk(server).mentor()
    before = await snapshot(server.env.bot)

    text = await refused(server, server.mentor.slash(server.channel, "hours off", **{"from": "2026-01-02"}))

    assert text.startswith("Fri 02 Jan 2026 is in the past (today is Mon 05 Jan 2026 in UTC);")
    assert await snapshot(server.env.bot) == before
