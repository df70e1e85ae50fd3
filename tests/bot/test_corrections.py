"""Corrections (R16) and the /complete that asks instead of guessing (R3), as each person sees them in
Discord: the replies, the buttons and the modal, the DMs, and the refusals (one sentence, nothing
changed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.bot.helpers import Desk, field, refused, snapshot, ts
from tests.conftest import START, Server

FINAL_WARNING = "Your seat will be released in"
NEW_NOW = "Record a new session now"


async def ready(server: Server, seats: int = 2, **grant: Any) -> Desk:
    desk = Desk(server)
    await desk.mentor(seats=seats)
    await desk.grant(**grant)
    return desk


async def restart(server: Server, settings: Settings, clock: ManualClock) -> MentorBot:
    old = server.env.bot
    new = create_bot(settings, clock=clock)
    await server.env.restart_bot(new)
    await old.close()
    return new


def labels(response: Any) -> list[str]:
    return [button["label"] for row in response.components for button in row["components"]]


async def complete(server: Server, by: Any = None) -> Any:
    result = await (by or server.mentor).slash(server.channel, "complete", student=server.student)
    assert server.env.errors == []
    return result


async def undo_with_button(server: Server, reply: Any, reason: str = "wrong student", by: Any = None) -> Any:
    who = by or server.mentor
    shown = await who.click(reply.response, label="Undo")
    assert shown.modal is not None, shown.response.content if shown.response else shown
    return await who.submit_modal(shown, {"reason": reason})


# ---- the Undo button and /undo -----------------------------------------------------------------------


async def test_undo_button_asks_the_reason_gives_the_session_back_and_tells_the_student(
    server: Server,
) -> None:
    desk = await ready(server)
    reply = await complete(server)
    assert labels(reply.response) == ["Undo"]

    undone = await undo_with_button(server, reply, "completed the wrong student")

    assert undone.ephemeral
    assert undone.response.content == (
        f"Undid session #1 of {server.student.mention}: 4 of 4 left. They have been told."
    )
    (dm,) = server.dms("alice")
    assert dm.startswith(f"Your session with {server.mentor.mention} on ")
    assert "completed the wrong student." in dm
    assert "4 of 4 left" in dm
    assert "0 of 4 used · **4 left**" in field(await desk.my_sessions(), "mia")
    # R4: the next completion is session 1 again.
    assert (await complete(server)).response.content.startswith("Session 1 of 4 completed")
    assert server.env.errors == []


async def test_the_undo_button_refuses_after_15_minutes_and_works_after_a_restart(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    await ready(server)
    first = await complete(server)
    second = await complete(server)
    await restart(server, settings, clock)
    clock.advance(timedelta(minutes=10))

    await undo_with_button(server, second)  # a button sent before the restart

    clock.advance(timedelta(minutes=6))
    before = await snapshot(server.env.bot)
    text = await refused(server, server.mentor.click(first.response, label="Undo"))
    assert text == (
        "The Undo button works for 15 minutes after a completion; run /undo for session #1 with a reason instead."
    )
    assert await snapshot(server.env.bot) == before


async def test_undoing_session_4_in_grace_returns_the_seat_to_active_and_no_final_warning_arrives(
    server: Server, clock: ManualClock
) -> None:
    desk = await ready(server)
    for _ in range(3):
        await complete(server)
    last = await complete(server)
    assert "Their seat is held until" in last.response.content
    clock.advance(timedelta(hours=1))

    undone = await server.mentor.slash(server.channel, "undo", session=4, reason="not held yet")

    assert undone.response.content == (
        f"Undid session #4 of {server.student.mention}: 1 of 4 left. Their seat is no longer in grace. "
        "They have been told."
    )
    clock.advance(timedelta(hours=80))
    await server.env.bot.run_sweep()
    assert not any(dm.startswith(FINAL_WARNING) for dm in server.dms("alice"))
    assert not any("has been released" in dm for dm in server.dms("alice"))
    roster = field(await desk.roster(), "alice")
    assert "grace" not in roster.lower()
    assert "1 session left" in roster


async def test_a_double_undo_restores_one_session(server: Server) -> None:
    # SimCord runs one user action at a time; the concurrent race is in tests/core/test_corrections.py.
    desk = await ready(server)
    reply = await complete(server)

    first = await undo_with_button(server, reply, "twice")
    second = await server.mentor.slash(server.channel, "undo", session=1, reason="twice")

    assert first.response.content.startswith("Undid session #1")
    assert second.response.content == (
        f"Session #1 of {server.student.mention} was already undone {ts(START, 'R')}; nothing changed."
    )
    assert len(server.dms("alice")) == 1
    assert "0 of 4 used · **4 left**" in field(await desk.my_sessions(), "mia")


async def test_undo_refusals_are_one_sentence_and_change_nothing(server: Server, clock: ManualClock) -> None:
    await ready(server)
    await complete(server)
    bob = server.other_student
    before = await snapshot(server.env.bot)

    texts = [
        await refused(server, bob.slash(server.channel, "undo", session=1, reason="mine")),
        await refused(server, server.mentor.slash(server.channel, "undo", session=99, reason="x")),
    ]
    clock.advance(timedelta(hours=25))
    texts.append(await refused(server, server.mentor.slash(server.channel, "undo", session=1, reason="late")))

    assert texts == [
        f"Only {server.mentor.mention} or an admin can undo session #1.",
        "There is no session #99 here; pick one from the list.",
        f"Session #1 was completed {ts(START, 'R')}, more than 24 hours ago, so only an admin can undo it now.",
    ]
    assert await snapshot(server.env.bot) == before
    # An admin still can.
    admin = await server.admin.slash(server.channel, "undo", session=1, reason="late")
    assert admin.response.content.startswith("Undid session #1")


async def test_undo_autocomplete_offers_the_callers_recent_completions(server: Server) -> None:
    await ready(server)
    await complete(server)

    choices = await server.mentor.autocomplete(server.channel, "undo", "session", "")

    assert [choice["value"] for choice in choices] == [1]
    assert choices[0]["name"] == "alice with mia — session 1 of 4, completed Mon 05 Jan 12:00 UTC (#1)"
    assert await server.other_student.autocomplete(server.channel, "undo", "session", "") == []


# ---- /complete asks instead of guessing ---------------------------------------------------------------


async def test_complete_asks_when_the_booking_is_later_and_nothing_changes_until_pressed(
    server: Server,
) -> None:
    desk = await ready(server)
    booked = await desk.book(START + timedelta(hours=4, minutes=30))
    before = await snapshot(server.env.bot)

    asked = await complete(server)

    assert asked.response.content == (
        f"{server.student.mention} has session #{booked} booked for {ts(START + timedelta(hours=4, minutes=30))} "
        f"({ts(START + timedelta(hours=4, minutes=30), 'R')}), not within the hour, so nothing was completed yet: "
        "is it that session, or a new one now?"
    )
    assert labels(asked.response) == ["Complete the session of Mon 05 Jan 16:30 UTC", NEW_NOW]
    assert await snapshot(server.env.bot) == before

    pressed = await server.mentor.click(asked.response, label="Complete the session of Mon 05 Jan 16:30 UTC")
    assert pressed.response.content == f"Session 1 of 4 completed for {server.student.mention} — 3 left."
    assert labels(pressed.response) == ["Undo"]
    assert "No session booked yet." in field(await desk.my_sessions(), "mia")


async def test_pressing_twice_or_both_completes_one_session(server: Server) -> None:
    # One press at a time, as SimCord plays them; presses at once race in tests/core/test_corrections.py.
    desk = await ready(server)
    await desk.book(START + timedelta(hours=5))
    asked = await complete(server)

    presses = [
        await server.mentor.click(asked.response, label=NEW_NOW),
        await server.mentor.click(asked.response, label=NEW_NOW),
        await server.mentor.click(asked.response, label="Complete the session of Mon 05 Jan 17:00 UTC"),
    ]

    texts = [press.response.content for press in presses]
    assert texts[0] == f"Session 1 of 4 completed for {server.student.mention} — 3 left."
    assert (
        texts[1:]
        == [
            f"Session 1 of 4 for {server.student.mention} was already completed {ts(START, 'R')}; nothing changed."
        ]
        * 2
    )
    mine = field(await desk.my_sessions(), "mia")
    assert "1 of 4 used · **3 left** (1 booked)" in mine
    assert server.env.errors == []


async def test_the_question_buttons_work_after_a_restart(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = await ready(server)
    await desk.book(START + timedelta(days=1))
    asked = await complete(server)
    await restart(server, settings, clock)

    pressed = await server.mentor.click(asked.response, label=NEW_NOW)

    assert pressed.response.content == f"Session 1 of 4 completed for {server.student.mention} — 3 left."
    roster = field(await desk.roster(), "alice")
    assert "3 sessions left" in roster
    assert f"next: {ts(START + timedelta(days=1))}" in roster


# ---- /pack revoke, /pack extend -----------------------------------------------------------------------


async def test_revoke_releases_at_once_and_frees_the_seat_for_the_next_grant(server: Server) -> None:
    desk = await ready(server, seats=1)
    await desk.book(START + timedelta(days=2))
    before = await snapshot(server.env.bot)
    full = await refused(
        server,
        server.admin.slash(server.channel, "pack grant", student=server.other_student, mentor=server.mentor),
    )
    assert "has no free seat" in full
    assert await snapshot(server.env.bot) == before

    revoked = await server.admin.slash(server.channel, "pack revoke", pack=1, reason="refund asked by email")

    assert revoked.response.content == (
        f"Revoked pack #1 of {server.student.mention} with {server.mentor.mention}: 4 unused sessions forfeited, "
        "1 booked session cancelled. Their seat was released at once. They have been told."
    )
    alice = server.dms("alice")
    assert any("was cancelled: its pack was refunded." in dm for dm in alice)
    assert (
        f"Your seat with {server.mentor.mention} has been released. Your pack was refunded: refund asked by email."
        in alice
    )
    assert any(
        dm.startswith(f"The seat of {server.student.mention} with you has been released.")
        for dm in server.dms("mia")
    )
    granted = await desk.grant(server.other_student)
    assert "new seat" in granted.lower()
    again = await server.admin.slash(server.channel, "pack revoke", pack=1, reason="again")
    assert again.response.content.endswith("was already revoked; nothing changed.")


async def test_extend_brings_back_an_expired_pack_and_pack_choices_name_person_and_state(
    server: Server, clock: ManualClock
) -> None:
    desk = await ready(server, valid_days=10)
    await desk.grant(sessions=2)  # a second pack keeps the seat when the first expires
    clock.advance(timedelta(days=11))
    await server.env.bot.run_sweep()

    choices = await server.admin.autocomplete(server.channel, "pack extend", "pack", "")
    assert [choice["name"] for choice in choices] == [
        "alice with mia — 2 of 2 left, ends Sun 05 Apr 2026 (#2)",
        "alice with mia — expired Thu 15 Jan 2026, 0 of 4 left (#1)",
    ]
    extended = await server.admin.slash(server.channel, "pack extend", pack=1, days=30)

    assert extended.response.content == (
        f"Pack #1 of {server.student.mention} with {server.mentor.mention} now ends "
        f"{ts(START + timedelta(days=41))} ({ts(START + timedelta(days=41), 'R')}). It is active again, with "
        "4 forfeited sessions back."
    )
    assert "6 sessions left" in field(await desk.roster(), "alice")


async def test_pack_and_seat_corrections_are_refused_to_non_admins_in_one_sentence(server: Server) -> None:
    await ready(server)
    # The server lets everyone see /pack and /mentor (its Integrations settings); core still checks.
    await server.widen("pack")
    await server.widen("mentor")
    before = await snapshot(server.env.bot)
    mia = server.mentor
    texts = [
        await refused(server, mia.slash(server.channel, "pack extend", pack=1, days=3)),
        await refused(server, mia.slash(server.channel, "pack revoke", pack=1, reason="x")),
        await refused(server, mia.slash(server.channel, "mentor remove", mentor=mia)),
        await refused(server, server.admin.slash(server.channel, "pack extend", pack=9, days=3)),
    ]
    assert all(text.startswith("Only an admin") for text in texts[:3]), texts
    assert texts[3] == "There is no pack #9 here; pick one from the list."
    # /seat is registered for Manage Server only: a mentor does not even see it.
    assert "seat move" not in mia.available_commands(server.channel)
    assert "seat move" in server.admin.available_commands(server.channel)
    assert await snapshot(server.env.bot) == before


# ---- /seat move, /mentor remove ---------------------------------------------------------------------


async def test_move_takes_the_seat_and_bookings_to_the_new_mentor_and_tells_all_three(server: Server) -> None:
    desk = await ready(server)
    noah = server.add_member("noah")
    await desk.mentor(seats=1, who=noah)
    booked = await desk.book(START + timedelta(days=2))

    moved = await server.admin.slash(
        server.channel, "seat move", student=server.student, mentor=server.mentor, new_mentor=noah
    )

    assert moved.response.content == (
        f"Moved {server.student.mention}'s seat from {server.mentor.mention} to {noah.mention}, with 1 pack and "
        "1 booked session. All three have been told."
    )
    assert server.dms("alice")[-1].startswith(
        f"Your seat with {server.mentor.mention} moved to {noah.mention}"
    )
    assert server.dms("mia")[-1].startswith(f"The seat of {server.student.mention} moved from you")
    assert server.dms("noah")[-1].startswith(f"{server.student.mention} moved to you")
    # Noah now completes the booked session; his only seat is taken.
    done = await noah.slash(server.channel, "complete", student=server.student, session=booked)
    assert done.response.content.startswith("Session 1 of 4 completed")
    full = await refused(
        server,
        server.admin.slash(server.channel, "seat move", student=server.student, mentor=noah, new_mentor=noah),
    )
    assert full == "The new mentor is the same as the current one; pick another mentor."


async def test_remove_says_how_many_seats_and_what_to_do_then_removes_an_empty_mentor(server: Server) -> None:
    desk = await ready(server)
    before = await snapshot(server.env.bot)

    text = await refused(server, server.admin.slash(server.channel, "mentor remove", mentor=server.mentor))

    assert text == (
        f"{server.mentor.mention} still holds 1 seat; move each with /seat move or refund it with /pack revoke, "
        "then remove them."
    )
    assert await snapshot(server.env.bot) == before
    await server.admin.slash(server.channel, "pack revoke", pack=1, reason="leaving")
    removed = await server.admin.slash(server.channel, "mentor remove", mentor=server.mentor)
    assert (
        removed.response.content
        == f"Removed {server.mentor.mention} as a mentor; /mentor add registers them again."
    )
    assert "mia" not in str((await desk.seats()).to_dict())
    gone = await refused(
        server, server.admin.slash(server.channel, "pack grant", student=server.student, mentor=server.mentor)
    )
    assert gone == f"{server.mentor.mention} is not a mentor here; register them first with /mentor add."


async def test_more_correction_refusals_are_one_sentence_and_change_nothing(server: Server) -> None:
    desk = await ready(server, seats=1)
    noah = server.add_member("noah")
    await desk.mentor(seats=1, who=noah)
    await desk.grant(server.other_student, mentor=noah)
    booked = await desk.book(START + timedelta(days=2))
    admin, channel = server.admin, server.channel
    await admin.slash(channel, "pack revoke", pack=2, reason="refund")  # Bob's seat with Noah is released
    await desk.grant(server.other_student, mentor=noah)  # and taken again: Noah has no free seat
    before = await snapshot(server.env.bot)

    texts = [
        await refused(server, admin.slash(channel, "pack extend", pack=2, days=5)),
        await refused(server, server.mentor.slash(channel, "undo", session=booked, reason="x")),
        await refused(server, admin.slash(channel, "mentor remove", mentor=server.student)),
        await refused(
            server,
            admin.slash(channel, "seat move", student=server.student, mentor=server.mentor, new_mentor=noah),
        ),
    ]

    assert texts == [
        f"{server.other_student.mention}'s pack #2 with {noah.mention} was refunded, so it can't be extended; "
        "grant a new pack with /pack grant.",
        f"Session #{booked} is scheduled, not completed; nothing to undo.",
        f"{server.student.mention} is not a mentor here; nothing to remove.",
        f"{noah.mention} has no free seat (1 of 1 seat held); raise their seats with /mentor add first.",
    ]
    assert await snapshot(server.env.bot) == before
