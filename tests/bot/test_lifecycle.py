"""A pack's life as the student and the mentor see it in their DMs, with time moved by ManualClock."""

from __future__ import annotations

from datetime import timedelta

from bot.app import MentorBot
from core.clock import ManualClock
from tests.bot.helpers import Desk, field, ts, when
from tests.conftest import START, Server

ONE_LEFT = "You have 1 session remaining. Renew now to continue."
PACK_COMPLETE = "Your pack is complete. Renew within 72 hours to keep your seat."
FINAL_WARNING = "Your seat will be released in 12 hours. Renew now to keep your mentorship active."


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def later(server: Server, clock: ManualClock, **delta: float) -> None:
    """Time passes; the scheduled sweep runs (and delivers what is due)."""
    clock.advance(timedelta(**delta))
    await the_bot(server).run_sweep()


def firsts(messages: list[str]) -> list[str]:
    """Each DM's first line: the sentence the spec fixes."""
    return [message.splitlines()[0] for message in messages]


async def test_a_pack_from_grant_to_release(server: Server, clock: ManualClock) -> None:
    desk = Desk(server)
    alice, mia = server.student.mention, server.mentor.mention
    await desk.mentor(seats=1)
    await desk.grant()
    for _ in range(3):
        await desk.complete()
    assert firsts(server.dms("alice")) == [ONE_LEFT]

    last = await desk.complete()
    grace_ends = START + timedelta(hours=72)

    assert last == (
        f"Session 4 of 4 completed for {alice} — 0 left. "
        f"Their seat is held until {when(grace_ends)} for them to renew."
    )
    assert server.dms("alice")[-1] == (
        f"{PACK_COMPLETE}\nAll 4 sessions with {mia} are done; your seat is held until {when(grace_ends)}."
    )
    assert server.dms("mia") == [
        f"{alice} has completed their last session with you. "
        f"Their seat is held until {when(grace_ends)} for them to renew."
    ]

    await later(server, clock, hours=59)
    assert firsts(server.dms("alice")) == [ONE_LEFT, PACK_COMPLETE]

    await later(server, clock, hours=1)  # 12 hours before the grace ends
    assert server.dms("alice")[-1] == (
        f"{FINAL_WARNING}\nYour seat with {mia} is held until {when(grace_ends)}."
    )

    await later(server, clock, hours=11)
    assert len(server.dms("alice")) == 3
    assert (await desk.seats()).description == "1 of 1 seat held · 1 in grace"

    await later(server, clock, hours=1)  # the grace has ended

    assert firsts(server.dms("alice")) == [
        ONE_LEFT,
        PACK_COMPLETE,
        FINAL_WARNING,
        f"Your seat with {mia} has been released. Your grace period ended without a renewal.",
    ]
    assert server.dms("mia")[-1] == (
        f"The seat of {alice} with you has been released. Their grace period ended without a renewal. "
        "You now hold 0 of 1 seat."
    )
    # /mysessions says what happened and how to come back (the demo's renewal link is not set here).
    (released,) = (await desk.my_sessions()).fields
    assert released.name == "mia (released)"
    assert released.value.startswith("🔓 Released ")
    assert ": the grace period ended without a renewal.\n" in released.value
    assert released.value.endswith("To come back, ask an admin of Mentorship to record a new pack.")
    assert (await desk.seats()).description == "0 of 1 seat held · 0 in grace"
    assert "A new seat was reserved" in await desk.grant(server.other_student)
    assert server.env.errors == []


async def test_a_renewal_in_grace_keeps_the_seat_and_the_final_warning_is_never_sent(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=2)
    await desk.complete()
    await desk.complete()
    await later(server, clock, hours=30)
    assert "⏳ in grace" in field(await desk.my_sessions(), "mia")

    renewed = await desk.grant()

    assert renewed.endswith("Their seat was in grace and is active again.")
    mine = field(await desk.my_sessions(), "mia")
    assert mine.startswith("✅ active\n")
    assert "0 of 4 used · **4 left**" in mine

    await later(server, clock, hours=30)  # past the moment of the final warning
    await later(server, clock, hours=12)  # past the end of the old grace period

    assert firsts(server.dms("alice")) == [ONE_LEFT, PACK_COMPLETE]
    assert (await desk.seats()).description == "1 of 1 seat held · 0 in grace"
    assert field(await desk.roster(), "alice").startswith("✅ active · 4 sessions left")
    assert server.env.errors == []


async def test_a_pack_that_expires_unused_warns_first_then_frees_the_seat(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    mia = server.mentor.mention
    await desk.mentor(seats=1)
    await desk.grant(valid_days=10)
    await desk.complete()
    ends = START + timedelta(days=10)

    await later(server, clock, days=6, hours=23)
    assert server.dms("alice") == []
    await later(server, clock, hours=1)  # three days before the end

    assert server.dms("alice") == [
        f"Your pack with {mia} ends {when(ends)} with 3 sessions left. "
        "3 sessions not booked by then will be forfeited."
    ]

    await later(server, clock, days=3)

    assert server.dms("alice")[-1] == (
        f"Your seat with {mia} has been released. Your pack expired on {ts(ends, 'D')} with 3 sessions unused."
    )
    assert server.dms("mia")[-1].startswith(
        f"The seat of {server.student.mention} with you has been released."
    )
    (released,) = (await desk.my_sessions()).fields
    assert ": the pack expired with 3 sessions unused.\n" in released.value
    assert server.env.errors == []


async def test_a_booked_session_keeps_an_expired_seat_until_it_is_done(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=2, valid_days=2)
    session = await desk.book(START + timedelta(days=2))  # R10: by the pack's end date

    await later(server, clock, days=3)  # the pack has expired; its booked session is due now
    assert "expired" in field(await desk.my_sessions(), "mia")
    assert not any("released" in dm for dm in server.dms("alice"))

    done = await desk.complete(session=session)
    await later(server, clock, minutes=1)

    assert done.startswith(f"Session 1 of 2 completed for {server.student.mention}")
    assert server.dms("alice")[-1] == (
        f"Your seat with {server.mentor.mention} has been released. "
        f"Your pack expired on {ts(START + timedelta(days=2), 'D')} with 1 session unused."
    )
    assert server.env.errors == []
