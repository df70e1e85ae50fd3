"""R18 and R19 as people see them in Discord: a waitlist offer with Accept and Decline in a DM (also
after a restart of the buttons' listener), the admins told in the fallback channel, a grant taking the
seat; /noshow; a student's late cancel confirmed with a button or left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.bot.helpers import Desk, field, one_sentence, refused
from tests.bot.test_refusals import nothing_changes
from tests.bot.test_restart import restart
from tests.conftest import START, Server, core_text, environment


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


def last_dm(server: Server, name: str) -> Any:
    return server.users[name].dm_channel.history()[-1]


def buttons(message: Any) -> list[str]:
    """The labels of a message's buttons, from a DM (discord.Message) or an interaction reply."""
    labels = []
    for row in message.components:
        children = row["components"] if isinstance(row, dict) else row.children
        labels += [child["label"] if isinstance(child, dict) else child.label for child in children]
    return labels


async def test_a_waitlist_offer_is_declined_then_accepted_and_a_grant_takes_the_seat(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    fallback = server.guild.create_text_channel("admins")
    environment(the_bot(server), fallback_channel_id=fallback.id)
    cara = server.add_member("cara")
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)

    joined = await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    assert joined.response.content == (
        f"You are #1 in {server.mentor.mention}'s line. When a seat frees up and it is your turn, I'll DM you an offer."
    )
    await cara.slash(server.channel, "waitlist join", mentor=server.mentor)
    shown = await server.mentor.slash(server.channel, "waitlist show")
    assert "#1 bob" in shown.response.embeds[0].fields[0].value
    assert "#2 cara" in shown.response.embeds[0].fields[0].value
    # /mysessions shows each their place in line (R19, the Commands table).
    assert field(await desk.my_sessions(cara), "Waitlist") == "⏱️ #2 in mia's line"
    assert field(await desk.my_sessions(server.other_student), "Waitlist") == "⏱️ #1 in mia's line"

    await desk.complete()
    clock.advance(timedelta(hours=73))
    await the_bot(server).run_sweep()

    offer = last_dm(server, "bob")
    assert core_text(offer.content).startswith(f"A seat with {server.mentor.mention} is free")
    assert buttons(offer) == ["Accept", "Decline"]
    declined = await server.users["bob"].click(offer, label="Decline")
    assert declined.response.content.startswith("You declined the seat")
    second = last_dm(server, "cara")
    assert field(await desk.my_sessions(cara), "Waitlist").startswith(
        "🎟️ A seat with mia is held for you until "
    )
    assert buttons(second) == ["Accept", "Decline"]
    again = await server.users["bob"].click(offer, label="Accept")
    assert one_sentence(again.response.content)
    assert "gave this seat up" in again.response.content

    accepted = await server.users["cara"].click(second, label="Accept")
    assert accepted.response.content.startswith("Accepted: the seat")
    admins_told = [message.content for message in fallback.history()]
    assert len(admins_told) == 1
    assert admins_told[0].startswith(f"{cara.mention} accepted the seat offered")

    granted = await desk.grant(student=cara)
    assert "cara" in granted or cara.mention in granted
    roster = await desk.roster()
    assert "1 of 1 seat held" in (roster.description or "")


async def test_joining_a_mentor_with_a_free_seat_is_refused(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=2)
    async with nothing_changes(server):
        text = await refused(
            server, server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
        )
    assert text == (
        f"{server.mentor.mention} has a free seat, so there is no line; ask an admin to grant you a pack "
        "with /pack grant."
    )


async def test_a_no_show_is_marked_once_the_session_started_and_the_student_told(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=4)
    session = await desk.book(START + timedelta(hours=2))
    async with nothing_changes(server):
        early = await refused(server, server.mentor.slash(server.channel, "noshow", session=session))
    assert "once it has started" in early
    clock.advance(timedelta(hours=3))
    marked = await server.mentor.slash(server.channel, "noshow", session=session)
    assert marked.response.content.startswith(f"Marked session #{session}")
    assert "a session was taken off their pack (3 left)" in marked.response.content
    assert server.dms("alice")[-1].startswith("You were marked as not attending your session")


async def test_a_late_cancel_asks_first_and_takes_the_session_only_when_confirmed(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=4)
    session = await desk.book(START + timedelta(hours=5))

    async with nothing_changes(server):
        asked = await server.student.slash(server.channel, "cancel", session=session)
    assert "less than 24 hours from now" in asked.response.content
    assert buttons(asked.response) == ["Cancel it anyway"]
    confirmed = await server.student.click(asked.response, label="Cancel it anyway")
    assert "taken off your pack (3 left)" in confirmed.response.content
    assert "taken off your pack: 3 sessions left" in server.dms("alice")[-1]


async def test_a_mentors_late_cancel_takes_nothing(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=4)
    session = await desk.book(START + timedelta(hours=1))
    result = await server.mentor.slash(server.channel, "cancel", session=session)
    assert "nothing was taken off their pack" in result.response.content
    embed = await desk.my_sessions()
    assert "4" in (embed.fields[0].value or "")


async def test_the_offer_buttons_work_after_a_restart(
    server: Server, settings: Settings, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    await desk.complete()
    clock.advance(timedelta(hours=73))
    await the_bot(server).run_sweep()
    offer = last_dm(server, "bob")

    await restart(server, settings, clock)

    accepted = await server.users["bob"].click(offer, label="Accept")
    assert accepted.response.content.startswith("Accepted: the seat")
    # No fallback channel: the note for the admins goes to the server's owner, never to the mentor.
    assert accepted.response.content.endswith("The server's owner has been told by DM to grant you a pack.")
    assert not any("accepted the seat offered" in dm for dm in server.dms("mia"))
    assert server.env.errors == []
