"""R21 through Discord: /reschedule moves a booked session to another open slot (``session`` and
``when`` autocompleted), and both sides are told with the old and the new time; the mentor is told of
what the student does and reminded as the student is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.bot.helpers import Desk, refused, ts, when
from tests.conftest import START, Server

THU_18 = datetime(2026, 1, 8, 18, tzinfo=UTC)  # START is Monday 5 Jan, 12:00 UTC


async def booked(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    await server.mentor.slash(server.channel, "hours add", day="thu", start="18:00", end="20:00")
    await server.student.slash(server.channel, "book", when=THU_18.isoformat())


async def test_a_student_moves_their_session_and_both_sides_are_told(server: Server) -> None:
    await booked(server)

    (session,) = await server.student.autocomplete(server.channel, "reschedule", "session", "")
    slots = await server.student.autocomplete(
        server.channel, "reschedule", "when", "", session=session["value"]
    )
    moved = await server.student.slash(
        server.channel, "reschedule", session=session["value"], when=slots[0]["value"]
    )

    new_time = THU_18 + timedelta(hours=1)
    assert session["name"] == "alice with mia — Thu 08 Jan 18:00 UTC (#1)"
    assert slots[0] == {"name": "Thu 08 Jan 19:00–20:00 (in 3 days)", "value": new_time.isoformat()}
    assert moved.response.content == (
        f"Moved session #1 from {ts(THU_18)} to {when(new_time)}; its pack stays the same. "
        f"{server.student.mention} and {server.mentor.mention} have been told."
    )
    assert server.dms("alice")[-1] == (
        f"Your session with {server.mentor.mention} on {ts(THU_18)} has moved to {when(new_time)}."
    )
    assert server.dms("mia")[-1] == (
        f"{server.student.mention} moved their session with you on {ts(THU_18)} to {when(new_time)}."
    )
    assert server.env.errors == []


async def test_the_mentor_is_reminded_as_the_student_is(server: Server) -> None:
    await booked(server)
    server.env.bot.clock.advance(THU_18 - timedelta(hours=24) - START)

    await server.env.bot.run_sweep()

    assert (
        server.dms("alice")[-1]
        == f"Reminder: your 60-minute session with {server.mentor.mention} is {when(THU_18)}."
    )
    assert (
        server.dms("mia")[-1]
        == f"Reminder: your 60-minute session with {server.student.mention} is {when(THU_18)}."
    )


async def test_a_student_cannot_move_it_within_the_late_cancel_hours_but_their_mentor_can(
    server: Server,
) -> None:
    await booked(server)
    server.env.bot.clock.advance(THU_18 - timedelta(hours=12) - START)
    later = (THU_18 + timedelta(days=7)).isoformat()

    text = await refused(server, server.student.slash(server.channel, "reschedule", session=1, when=later))
    moved = await server.mentor.slash(server.channel, "reschedule", session=1, when=later)

    assert text.startswith("Session #1 starts <t:")
    assert "so you can't move it; cancel it with /cancel" in text
    assert moved.response.content.startswith("Moved session #1 from")
    # The mentor moved it: the student is told, the mentor not.
    assert server.dms("mia")[-1].startswith(f"{server.student.mention} booked")
