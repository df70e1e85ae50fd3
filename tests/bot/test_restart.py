"""A restart (a new bot on the same database) continues exactly where the first bot stopped."""

from __future__ import annotations

from datetime import timedelta

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.bot.helpers import Desk
from tests.conftest import START, Server

BOOKED = "booked a 60-minute session with you"


async def restart(server: Server, settings: Settings, clock: ManualClock) -> MentorBot:
    """Stop the running bot and start a new one on the same settings, database and clock."""
    old = server.env.bot
    new = create_bot(settings, clock=clock)
    await server.env.restart_bot(new)
    await old.close()
    return new


async def test_every_view_reads_the_same_after_a_restart(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant()
    await desk.grant(server.other_student, sessions=1)
    await desk.complete()
    await desk.complete(server.other_student)  # Bob's seat is in grace
    await desk.book(START + timedelta(days=2))
    before = [
        (await desk.my_sessions()).to_dict(),
        (await desk.roster()).to_dict(),
        (await desk.seats()).to_dict(),
        (await server.users["alice"].slash("mysessions")).response.embeds[0].to_dict(),
    ]

    await restart(server, settings, clock)

    after = [
        (await desk.my_sessions()).to_dict(),
        (await desk.roster()).to_dict(),
        (await desk.seats()).to_dict(),
        (await server.users["alice"].slash("mysessions")).response.embeds[0].to_dict(),
    ]
    assert after == before
    assert "1 of 4 used · **3 left** (1 booked)" in str(after[0])
    assert server.env.errors == []


async def test_the_new_bot_carries_on_counting_sessions(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    await desk.complete()
    await desk.complete()

    await restart(server, settings, clock)

    assert await desk.complete() == f"Session 3 of 4 completed for {server.student.mention} — 1 left."
    assert [dm.splitlines()[0] for dm in server.dms("alice")] == [
        "You have 1 session remaining. Renew now to continue."
    ]


async def test_a_dm_the_old_bot_could_not_send_is_delivered_once_by_the_new_bot(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant()
    server.env.inject_error("POST", "/channels/*/messages", status=503, times=1)
    await desk.book(START + timedelta(days=2))  # the booking DM meets a Discord outage
    assert server.dms("alice") == []

    clock.advance(timedelta(minutes=1))  # past its first retry, but the old bot is stopping
    assert server.dms("alice") == []

    await restart(server, settings, clock)  # the new bot sweeps and delivers once at start

    assert [BOOKED in dm for dm in server.dms("alice")] == [True]
    assert server.env.errors == []


async def test_after_downtime_the_first_sweep_catches_up_on_what_fell_due(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()  # Alice's seat enters grace for 72 hours

    clock.advance(timedelta(hours=80))  # the bot is down while the grace runs out
    await restart(server, settings, clock)  # the new bot sweeps once at start

    assert server.dms("alice")[-1] == (
        f"Your seat with {server.mentor.mention} has been released. Your grace period ended without a renewal."
    )
    assert not any("will be released in 12 hours" in dm for dm in server.dms("alice"))
    assert server.dms("mia")[-1].startswith(
        f"The seat of {server.student.mention} with you has been released."
    )
    assert (await desk.seats()).description == "0 of 1 seat held · 0 in grace"
