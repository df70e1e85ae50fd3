"""R21 through Discord: a student books an open slot of their mentor's hours with /book — ``when``
autocompleted in their zone, or from a select menu a week per page — once or weekly; both sides are
told; what is not open, or not theirs to book, is one sentence and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bot.helpers import Desk, refused, snapshot, when
from tests.conftest import Server

# START is Monday 5 Jan 2026, 12:00 UTC; the server's zone is UTC and bookings need 24 hours' notice.
THU_18 = datetime(2026, 1, 8, 18, tzinfo=UTC)


async def hours(server: Server, *windows: tuple[str, str, str]) -> None:
    for day, start, end in windows or (("thu", "18:00", "20:00"), ("tue", "09:00", "12:00")):
        await server.mentor.slash(server.channel, "hours add", day=day, start=start, end=end)


async def ready(server: Server, **grant: Any) -> Desk:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(**grant)
    await hours(server)
    return desk


def select_options(result: Any) -> list[dict[str, Any]]:
    (row, *_) = result.response.components
    (menu,) = [item for item in row["components"] if item["type"] == 3]
    return list(menu["options"])


async def test_when_autocompletes_the_open_slots_in_the_students_zone(server: Server) -> None:
    await ready(server)
    await server.student.slash(server.channel, "timezone", zone="Europe/Berlin")

    choices = await server.student.autocomplete(server.channel, "book", "when", "")
    tuesdays = await server.student.autocomplete(server.channel, "book", "when", "tue 13")

    assert [choice["name"] for choice in choices[:3]] == [
        "Thu 08 Jan 19:00–20:00 (in 3 days)",
        "Thu 08 Jan 20:00–21:00 (in 3 days)",
        "Tue 13 Jan 10:00–11:00 (in 8 days)",
    ]
    assert choices[0]["value"] == THU_18.isoformat()
    assert len(choices) == 17  # every open slot of the 28 days ahead: 4 Thursdays of 2, 3 Tuesdays of 3
    assert [choice["name"][:16] for choice in tuesdays] == [
        "Tue 13 Jan 10:00",
        "Tue 13 Jan 11:00",
        "Tue 13 Jan 12:00",
    ]


async def test_a_student_books_a_slot_and_both_sides_are_told(server: Server) -> None:
    await ready(server)
    (first, *_) = await server.student.autocomplete(server.channel, "book", "when", "")

    result = await server.student.slash(server.channel, "book", when=first["value"])

    assert result.ephemeral
    assert result.response.content == (
        f"Booked session #1 with {server.mentor.mention} for {when(THU_18)}, 60 minutes. "
        f"You and {server.mentor.mention} have been told."
    )
    assert server.dms("alice") == [
        f"You booked a 60-minute session with {server.mentor.mention} for {when(THU_18)}."
    ]
    assert server.dms("mia") == [
        f"{server.student.mention} booked a 60-minute session with you for {when(THU_18)}."
    ]
    # The slot is no longer open: not to the other student either.
    await Desk(server).grant(student=server.other_student)
    offered = await server.other_student.autocomplete(server.channel, "book", "when", "")
    assert first["value"] not in [choice["value"] for choice in offered]
    assert server.env.errors == []


async def test_without_when_a_menu_lists_a_week_and_picking_a_slot_books_it(server: Server) -> None:
    await ready(server)

    shown = await server.student.slash(server.channel, "book")
    options, first_week = select_options(shown), shown.response.content
    turned = await server.student.click(shown.response, label="▶")
    picked = await server.student.select(turned.response, [select_options(turned)[0]["value"]])

    assert first_week.startswith(f"Open slots with {server.mentor.mention}, ")
    assert "(week 1 of 5, times in UTC): pick one to book it." in first_week
    assert [option["label"] for option in options] == [
        "Thu 08 Jan 18:00–19:00 (in 3 days)",
        "Thu 08 Jan 19:00–20:00 (in 3 days)",
    ]
    assert "(week 2 of 5, times in UTC)" in turned.response.content
    assert select_options(turned)[0]["label"] == "Tue 13 Jan 09:00–10:00 (in 8 days)"
    assert picked.response.content.startswith("Booked session #1 with")
    assert server.env.errors == []


async def test_weekly_books_every_week_or_none_and_says_which_week_is_not_open(server: Server) -> None:
    await ready(server)
    await server.mentor.slash(server.channel, "hours off", **{"from": "2026-01-22"})
    before = await snapshot(server.env.bot)

    text = await refused(
        server, server.student.slash(server.channel, "book", when=THU_18.isoformat(), weekly=3)
    )
    assert text.startswith(f"Week 3 of 3 (<t:{int((THU_18 + timedelta(weeks=2)).timestamp())}:F>) can't be")
    assert f"{server.mentor.mention} is off that day; book fewer weeks or another slot" in text
    assert await snapshot(server.env.bot) == before

    booked = await server.student.slash(server.channel, "book", when=THU_18.isoformat(), weekly=2)
    assert booked.response.content.startswith(f"Booked 2 weekly sessions with {server.mentor.mention}")
    assert server.dms("mia")[-1] == (
        f"{server.student.mention} booked 2 weekly 60-minute sessions with you: "
        f"<t:{int(THU_18.timestamp())}:F>, <t:{int((THU_18 + timedelta(weeks=1)).timestamp())}:F>."
    )


async def test_a_slot_taken_since_the_menu_was_shown_is_refused_with_what_is_still_open(
    server: Server,
) -> None:
    """Two students pick one slot: the second is told it was just taken (tests/core/test_booking.py
    runs them at once, and in several processes on PostgreSQL)."""
    desk = await ready(server)
    await desk.grant(student=server.other_student)
    menu = await server.other_student.slash(server.channel, "book")

    await server.student.slash(server.channel, "book", when=THU_18.isoformat())
    text = await refused(server, server.other_student.select(menu.response, [THU_18.isoformat()]))

    assert text.startswith(f"<t:{int(THU_18.timestamp())}:F> can't be booked: it was just taken; ")
    assert f"like <t:{int((THU_18 + timedelta(hours=1)).timestamp())}:f>" in text


async def test_what_cannot_be_booked_is_one_sentence_and_changes_nothing(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=1)
    before = await snapshot(server.env.bot)

    no_hours = await refused(server, server.student.slash(server.channel, "book"))
    no_seat = await refused(server, server.other_student.slash(server.channel, "book"))
    await hours(server)
    too_soon = await refused(
        server, server.student.slash(server.channel, "book", when="2026-01-06T09:00:00+00:00")
    )
    await server.student.slash(server.channel, "book", when=THU_18.isoformat())
    used_up = await refused(server, server.student.slash(server.channel, "book"))

    assert no_hours == (
        f"{server.mentor.mention} has not published any hours yet; a mentor publishes them with /hours add, "
        "so ask them to (or to book you with /schedule)."
    )
    assert no_seat.startswith("You have no seat with a mentor here;")
    assert "takes bookings at least 24 hours ahead" in too_soon
    assert used_up == (
        f"Every session of your packs with {server.mentor.mention} is booked or used; renew to book another."
    )
    assert before["sessions"] == []


async def test_a_student_of_another_server_books_nothing_here(server: Server) -> None:
    await ready(server)
    other = server.env.create_guild(name="Bootcamp")
    channel = other.create_text_channel("general")
    bob_there = other.add_member(server.users["bob"])

    text = await refused(server, bob_there.slash(channel, "book"))

    assert text.startswith("You have no seat with a mentor here;")
