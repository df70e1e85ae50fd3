"""What a mentor (or an admin) sees running /complete, /schedule, /cancel and /roster, the session
autocomplete, and the DMs their students get."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import MentorBot
from core.clock import ManualClock
from tests.bot.helpers import Desk, field, ts, when
from tests.conftest import START, Server

ONE_LEFT = "You have 1 session remaining. Renew now to continue."


async def ready(server: Server, **grant: int) -> Desk:
    """Mia mentors with two seats; Alice holds a pack with her."""
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant(**grant)
    return desk


# ---- /complete --------------------------------------------------------------------------------------


async def test_completing_without_a_session_records_one_done_now(server: Server) -> None:
    desk = await ready(server)

    result = await server.mentor.slash(server.channel, "complete", student=server.student)

    assert result.ephemeral
    assert result.response.content == f"Session 1 of 4 completed for {server.student.mention} — 3 left."
    assert "`■□□□` 1 of 4 used · **3 left**" in field(await desk.my_sessions(), "mia")
    assert server.dms("alice") == []
    assert server.env.errors == []


async def test_the_third_of_four_sessions_leaves_one_and_the_student_is_told(server: Server) -> None:
    desk = await ready(server)
    await desk.complete()
    await desk.complete()

    result = await server.mentor.slash(server.channel, "complete", student=server.student)

    assert result.response.content == f"Session 3 of 4 completed for {server.student.mention} — 1 left."
    (dm,) = server.dms("alice")
    assert dm.startswith(ONE_LEFT)
    assert f"Session 3 of 4 with {server.mentor.mention} is done." in dm
    assert server.env.errors == []


async def test_completing_a_named_session_takes_it_off_the_booked_list(server: Server) -> None:
    desk = await ready(server)
    session = await desk.book(START + timedelta(days=1))

    result = await server.mentor.slash(server.channel, "complete", student=server.student, session=session)

    assert result.response.content == f"Session 1 of 4 completed for {server.student.mention} — 3 left."
    mine = field(await desk.my_sessions(), "mia")
    assert "1 of 4 used · **3 left**" in mine
    assert "No session booked yet." in mine


async def test_without_a_session_it_takes_the_booked_one_starting_within_the_hour(server: Server) -> None:
    desk = await ready(server)
    soon = await desk.book(START + timedelta(minutes=30))
    later = await desk.book(START + timedelta(days=2))

    await desk.complete()

    roster = field(await desk.roster(), "alice")
    assert f"(#{soon})" not in roster
    assert f"next: {when(START + timedelta(days=2))} (#{later})" in roster
    assert "3 sessions left" in roster


async def test_completing_a_completed_session_changes_nothing_and_says_when(
    server: Server, clock: ManualClock
) -> None:
    desk = await ready(server)
    session = await desk.book(START + timedelta(minutes=30))
    await desk.complete(session=session)
    clock.advance(timedelta(hours=2))

    again = await desk.complete(session=session)

    assert again == (
        f"Session 1 of 4 for {server.student.mention} was already completed {ts(START, 'R')}; "
        "nothing changed."
    )
    assert "1 of 4 used · **3 left**" in field(await desk.my_sessions(), "mia")


async def test_an_admin_completes_for_a_student_with_one_mentor(server: Server) -> None:
    await ready(server)

    result = await server.admin.slash(server.channel, "complete", student=server.student)

    assert result.response.content == f"Session 1 of 4 completed for {server.student.mention} — 3 left."


async def test_an_admin_names_the_session_of_a_student_with_several_mentors(server: Server) -> None:
    desk = await ready(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=1, who=max_)
    await desk.grant(mentor=max_, sessions=2)
    session = await desk.book(START + timedelta(days=1), by=max_)

    result = await server.admin.slash(server.channel, "complete", student=server.student, session=session)

    assert result.response.content == f"Session 1 of 2 completed for {server.student.mention} — 1 left."
    mine = await desk.my_sessions()
    assert "**1 left**" in field(mine, "max")
    assert "**4 left**" in field(mine, "mia")


# ---- /schedule and /cancel ------------------------------------------------------------------------


async def test_scheduling_books_a_session_and_the_student_is_told(server: Server) -> None:
    desk = await ready(server)
    at = START + timedelta(days=2)

    result = await server.mentor.slash(
        server.channel, "schedule", student=server.student, when="2026-01-07T12:00"
    )

    assert result.ephemeral
    assert result.response.content == (
        f"Booked session #1 with {server.student.mention} for {when(at)}, 60 minutes. They have been told."
    )
    assert server.dms("alice") == [
        f"{server.mentor.mention} booked a 60-minute session with you for {when(at)}."
    ]
    assert f"📅 {when(at)} · #1" in field(await desk.my_sessions(), "mia")
    assert server.env.errors == []


async def test_a_time_with_an_offset_is_read_in_that_offset(server: Server) -> None:
    await ready(server)

    result = await server.mentor.slash(
        server.channel, "schedule", student=server.student, when="2026-01-07T18:00+01:00", minutes=90
    )

    at = datetime(2026, 1, 7, 17, tzinfo=UTC)
    assert result.response.content.startswith(
        f"Booked session #1 with {server.student.mention} for {when(at)}, 90 minutes."
    )
    assert server.dms("alice") == [
        f"{server.mentor.mention} booked a 90-minute session with you for {when(at)}."
    ]


async def test_cancelling_a_session_takes_nothing_off_the_pack(server: Server) -> None:
    desk = await ready(server)
    at = START + timedelta(days=2)
    session = await desk.book(at)

    result = await server.mentor.slash(server.channel, "cancel", session=session)

    assert result.response.content == (
        f"Cancelled session #{session} with {server.student.mention} on {ts(at)}; "
        "nothing was taken off their pack. They have been told."
    )
    assert server.dms("alice")[-1] == (
        f"Your session with {server.mentor.mention} on {ts(at)} was cancelled. "
        "It was not taken off your pack."
    )
    mine = field(await desk.my_sessions(), "mia")
    assert "0 of 4 used · **4 left** ·" in mine
    assert "No session booked yet." in mine
    assert server.env.errors == []


async def test_the_student_is_reminded_a_day_before_a_booked_session(
    server: Server, clock: ManualClock
) -> None:
    desk = await ready(server)
    at = START + timedelta(days=3)
    await desk.book(at)
    bot = server.env.bot
    assert isinstance(bot, MentorBot)

    clock.advance(timedelta(days=1, hours=23))
    await bot.run_sweep()
    assert len(server.dms("alice")) == 1  # only the booking
    clock.advance(timedelta(hours=1))
    await bot.run_sweep()

    assert server.dms("alice")[-1] == (
        f"Reminder: your 60-minute session with {server.mentor.mention} is {when(at)}."
    )


# ---- /roster --------------------------------------------------------------------------------------


async def test_the_roster_shows_each_student_with_sessions_left_and_the_next_session(
    server: Server,
) -> None:
    desk = await ready(server)
    await desk.grant(server.other_student, sessions=1)
    at = START + timedelta(days=1)
    session = await desk.book(at)
    await desk.complete(server.other_student)  # Bob's only session: his seat enters grace

    result = await server.mentor.slash(server.channel, "roster")

    assert result.ephemeral
    (roster,) = result.response.embeds
    assert roster.title == "Your students"
    assert roster.description == "2 of 2 seats held"
    assert field(roster, "alice") == (
        f"✅ active · 4 sessions left · ends {ts(START + timedelta(days=90), 'D')}\nnext: {when(at)} (#{session})"
    )
    assert field(roster, "bob") == (
        f"⏳ in grace — renew by {when(START + timedelta(hours=72))} · 0 sessions left\nnext: none booked"
    )
    assert server.env.errors == []


async def test_a_mentor_without_students_sees_an_empty_roster(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=3)

    roster = await desk.roster()

    assert roster.description == "0 of 3 seats held\nNo student holds a seat with you right now."


# ---- session autocomplete -------------------------------------------------------------------------


async def test_session_choices_name_student_mentor_time_and_number(server: Server) -> None:
    desk = await ready(server)
    session = await desk.book(datetime(2026, 1, 7, 18, 30, tzinfo=UTC))

    choices = await server.mentor.autocomplete(
        server.channel, "complete", "session", "", student=server.student
    )

    assert choices == [{"name": f"alice with mia — Wed 07 Jan 18:30 UTC (#{session})", "value": session}]


async def test_a_mentor_sees_only_their_own_sessions_and_an_admin_sees_everyones(server: Server) -> None:
    desk = await ready(server)
    max_ = server.add_member("max")
    await desk.mentor(seats=1, who=max_)
    await desk.grant(server.other_student, mentor=max_)
    mias = await desk.book(START + timedelta(days=1))
    maxs = await desk.book(START + timedelta(days=2), student=server.other_student, by=max_)

    def ids(choices: list[dict[str, object]]) -> list[object]:
        return [choice["value"] for choice in choices]

    assert ids(await server.mentor.autocomplete(server.channel, "cancel", "session", "")) == [mias]
    assert ids(await max_.autocomplete(server.channel, "cancel", "session", "")) == [maxs]
    # R18: a student may cancel their own session, so /cancel offers it to them; /complete does not.
    assert ids(await server.student.autocomplete(server.channel, "cancel", "session", "")) == [mias]
    assert ids(await server.student.autocomplete(server.channel, "complete", "session", "")) == []
    assert ids(await server.admin.autocomplete(server.channel, "cancel", "session", "")) == [mias, maxs]


async def test_session_choices_narrow_to_the_chosen_student_and_to_what_is_typed(server: Server) -> None:
    desk = await ready(server)
    await desk.grant(server.other_student)
    alices = await desk.book(START + timedelta(days=1))
    bobs = await desk.book(START + timedelta(days=2), student=server.other_student)

    def ids(choices: list[dict[str, object]]) -> list[object]:
        return [choice["value"] for choice in choices]

    assert ids(
        await server.mentor.autocomplete(server.channel, "complete", "session", "", student=server.student)
    ) == [alices]
    assert ids(await server.mentor.autocomplete(server.channel, "cancel", "session", "bob")) == [bobs]
    assert ids(await server.mentor.autocomplete(server.channel, "cancel", "session", f"#{bobs}")) == [bobs]
