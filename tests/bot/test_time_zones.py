"""R15 through Discord: /timezone, and `when` read in the caller's zone, across both daylight-saving
changes of 2026 in Europe/Berlin and America/New_York, for the booking and for the 24 h reminder.

2026's changes: Berlin 29 Mar 02:00 → 03:00 and 25 Oct 03:00 → 02:00 (01:00 UTC both);
New York 8 Mar 02:00 → 03:00 (07:00 UTC) and 1 Nov 02:00 → 01:00 (06:00 UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import MentorBot
from core.clock import ManualClock
from core.schema import member_time_zones, sessions
from tests.bot.helpers import Desk, refused, ts, when
from tests.conftest import Server


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def reply(member: Any, server: Server, command: str, **options: Any) -> str:
    result = await member.slash(server.channel, command, **options)
    assert result.ephemeral
    assert server.env.errors == []
    return str(result.response.content)


async def ready(server: Server, zone: str | None) -> Desk:
    """Mia mentors Alice, whose pack runs all year; Mia's own zone is ``zone`` (None: the server's)."""
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(valid_days=365)
    if zone is not None:
        await reply(server.mentor, server, "timezone", zone=zone)
    return desk


async def book(server: Server, text: str) -> str:
    result = await server.mentor.slash(server.channel, "schedule", student=server.student, when=text)
    assert server.env.errors == []
    return str(result.response.content)


async def starts(server: Server) -> list[datetime]:
    return await the_bot(server).service.db.read(
        lambda c: list(c.execute(select(sessions.c.starts_at).order_by(sessions.c.id)).scalars())
    )


# ---- /timezone --------------------------------------------------------------------------------------


async def test_timezone_alone_shows_the_servers_zone_until_the_member_sets_their_own(server: Server) -> None:
    utc = await reply(server.student, server, "timezone")
    await server.admin.slash(server.channel, "settings set", name="time_zone", value="Europe/Berlin")
    berlin = await reply(server.student, server, "timezone")
    set_reply = await reply(server.student, server, "timezone", zone="America/New_York")
    own = await reply(server.student, server, "timezone")

    assert utc == (
        "Your time zone is UTC (this server's); set your own with /timezone zone and the times you "
        "type are read in it."
    )
    assert berlin.startswith("Your time zone is Europe/Berlin (this server's)")
    assert set_reply == (
        "Your time zone is now America/New_York; the times you type are read in it in every server."
    )
    assert own == "Your time zone is America/New_York (your own); the times you type are read in it."


async def test_a_zone_that_does_not_exist_is_refused_and_nothing_is_stored(server: Server) -> None:
    text = await refused(server, server.student.slash(server.channel, "timezone", zone="Europe/Atlantis"))

    assert text == (
        "“Europe/Atlantis” is not a time zone I know; pick an IANA name such as Europe/Berlin from the list."
    )
    stored = await the_bot(server).service.db.read(lambda c: c.execute(select(member_time_zones)).all())
    assert stored == []


async def test_the_zone_autocompletes_iana_names_from_what_is_typed(server: Server) -> None:
    berlin = await server.student.autocomplete(server.channel, "timezone", "zone", "berl")
    new_york = await server.student.autocomplete(server.channel, "timezone", "zone", "new_y")
    anything = await server.student.autocomplete(server.channel, "timezone", "zone", "")
    nothing = await server.student.autocomplete(server.channel, "timezone", "zone", "xyzzy")

    assert [choice["value"] for choice in berlin] == ["Europe/Berlin"]
    assert new_york[0]["value"] == "America/New_York"
    assert len(anything) == 25
    assert nothing == []


# ---- `when` autocompletes to what it will be read as -------------------------------------------------


async def test_when_autocompletes_to_the_instant_it_will_be_read_as_in_the_callers_zone(
    server: Server,
) -> None:
    await ready(server, "Europe/Berlin")

    async def typed(text: str) -> list[dict[str, Any]]:
        return await server.mentor.autocomplete(
            server.channel, "schedule", "when", text, student=server.student
        )

    tomorrow, tuesday, later, unreadable = [
        await typed(text) for text in ("tomorrow 18:00", "tue 6pm", "in 2 hours", "whenever suits")
    ]

    # START is Mon 5 Jan 2026 12:00 UTC, 13:00 in Berlin.
    assert tomorrow == [
        {"name": "Tue 06 Jan 2026 18:00 Europe/Berlin (in 1 day)", "value": "2026-01-06T17:00:00+00:00"}
    ]
    assert tuesday == tomorrow
    assert later == [
        {"name": "Mon 05 Jan 2026 15:00 Europe/Berlin (in 2 hours)", "value": "2026-01-05T14:00:00+00:00"}
    ]
    assert unreadable == []


async def test_an_unreadable_when_is_refused_in_one_sentence_naming_the_zone(server: Server) -> None:
    await ready(server, "America/New_York")

    text = await refused(
        server,
        server.mentor.slash(server.channel, "schedule", student=server.student, when="whenever suits"),
    )

    assert text == (
        "I can't read “whenever suits” as a time; try 2026-12-01T18:00, tomorrow 18:00, tue 6pm or "
        "in 2 hours (read in America/New_York)."
    )
    assert await starts(server) == []


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("tomorrow", "“tomorrow” names a day but no time; add one, like tomorrow 18:00 or 2026-12-01T18:00."),
        ("friday", "“friday” names a day but no time; add one, like tomorrow 18:00 or 2026-12-01T18:00."),
        (
            "12/03",
            "“12/03” gives a day and month in digits only, which reads differently around the world; "
            "write the month as a word or the date as ISO, like 12 Mar 18:00 or 2026-03-12T18:00.",
        ),
    ],
)
async def test_a_day_without_a_time_or_in_digits_only_offers_nothing_and_books_nothing(
    server: Server, text: str, sentence: str
) -> None:
    # "tomorrow" booked the current minute, "friday" midnight, "12/03" 3 December for a Berlin mentor.
    await ready(server, "Europe/Berlin")

    offered = await server.mentor.autocomplete(
        server.channel, "schedule", "when", text, student=server.student
    )
    answer = await refused(
        server, server.mentor.slash(server.channel, "schedule", student=server.student, when=text)
    )

    assert offered == []
    assert answer == sentence
    assert await starts(server) == []


# ---- both daylight-saving changes, booking and reminder ---------------------------------------------


@dataclass(frozen=True)
class Changes:
    zone: str
    skipped: str  # a wall-clock time the spring change skips
    repeated: str  # one the autumn change repeats
    repeated_first: datetime  # ... read as its first occurrence
    after_spring: str  # the morning after the spring change, and what it is in UTC
    after_spring_utc: datetime
    after_autumn: str
    after_autumn_utc: datetime


CHANGES = [
    Changes(
        "Europe/Berlin",
        skipped="2026-03-29 02:30",
        repeated="2026-10-25 02:30",
        repeated_first=datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # CEST, UTC+2
        after_spring="29 Mar 10:00",
        after_spring_utc=datetime(2026, 3, 29, 8, tzinfo=UTC),  # CEST
        after_autumn="2026-10-25T10:00",
        after_autumn_utc=datetime(2026, 10, 25, 9, tzinfo=UTC),  # CET
    ),
    Changes(
        "America/New_York",
        skipped="2026-03-08 02:30",
        repeated="2026-11-01 01:30",
        repeated_first=datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # EDT, UTC-4
        after_spring="8 Mar 10:00",
        after_spring_utc=datetime(2026, 3, 8, 14, tzinfo=UTC),  # EDT
        after_autumn="2026-11-01T10:00",
        after_autumn_utc=datetime(2026, 11, 1, 15, tzinfo=UTC),  # EST
    ),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.zone)
@pytest.mark.parametrize("whose", ["member", "server"])
async def test_a_time_the_spring_change_skips_is_refused_and_a_repeated_one_takes_the_first(
    server: Server, change: Changes, whose: str
) -> None:
    await ready(server, change.zone if whose == "member" else None)
    if whose == "server":
        await server.admin.slash(server.channel, "settings set", name="time_zone", value=change.zone)

    skipped = await refused(
        server, server.mentor.slash(server.channel, "schedule", student=server.student, when=change.skipped)
    )
    assert await starts(server) == []
    repeated = await book(server, change.repeated)

    assert re.fullmatch(
        rf"\w{{3}} \d\d \w{{3}} 2026 02:30 does not exist in {re.escape(change.zone)}: the clocks skip "
        r"that hour for daylight saving time; pick a time outside it\.",
        skipped,
    ), skipped
    assert "session #" in repeated
    assert await starts(server) == [change.repeated_first]
    assert ts(change.repeated_first) in server.dms("alice")[-1]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.zone)
async def test_the_reminder_comes_24_hours_before_across_each_change(
    server: Server, clock: ManualClock, change: Changes
) -> None:
    await ready(server, change.zone)
    bot = the_bot(server)
    await book(server, change.after_spring)
    await book(server, change.after_autumn)
    assert await starts(server) == [change.after_spring_utc, change.after_autumn_utc]
    booked = server.dms("alice")
    assert [ts(change.after_spring_utc) in booked[0], ts(change.after_autumn_utc) in booked[1]] == [True] * 2

    for at in (change.after_spring_utc, change.after_autumn_utc):
        seen = len(server.dms("alice"))
        # A day in real time before the start: 23 or 25 hours of the wall clock across the change.
        clock.set(at - timedelta(hours=24, minutes=1))
        await bot.run_sweep()
        assert len(server.dms("alice")) == seen
        clock.advance(timedelta(minutes=1))
        await bot.run_sweep()
        assert server.dms("alice")[seen:] == [
            f"Reminder: your 60-minute session with {server.mentor.mention} is {when(at)}."
        ]
