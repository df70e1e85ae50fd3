"""Faults of issue 16 in what the bot tells people, as the people see them in Discord: renewal DMs and
replies after a no-show, why a seat was released, late DMs, freed seats offered to the line, and
who is told of an accepted offer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.clock import ManualClock
from tests.bot.helpers import Desk, when
from tests.bot.test_delivery_discord import inject_dm_error
from tests.conftest import START, Server, environment


async def test_after_a_no_show_the_student_is_told_of_the_last_session_and_the_grace(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=4)
    session = await desk.book(START + timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    await server.mentor.slash(server.channel, "noshow", session=session)

    assert (
        await desk.complete() == f"Session 1 of 4 completed for {server.student.mention} — 2 left (1 missed)."
    )
    assert (
        await desk.complete() == f"Session 2 of 4 completed for {server.student.mention} — 1 left (1 missed)."
    )
    one_left = server.dms("alice")[-1]
    assert one_left.startswith("You have 1 session remaining. Renew now to continue.")
    assert "Session 2 of 4 with" in one_left
    assert "(1 missed)" in one_left

    last = await desk.complete()
    assert last.startswith(f"Session 3 of 4 completed for {server.student.mention} — 0 left (1 missed).")
    assert "Their seat is held until" in last
    dms = server.dms("alice")
    assert sum(dm.startswith("You have 1 session remaining") for dm in dms) == 1
    assert dms[-1].startswith("Your pack is complete. Renew within 72 hours to keep your seat.")


async def test_the_released_dms_say_the_grace_ended(server: Server, clock: ManualClock) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()
    clock.advance(timedelta(hours=72))
    await server.env.bot.run_sweep()
    assert server.dms("alice")[-1] == (
        f"Your seat with {server.mentor.mention} has been released. "
        "Your grace period ended without a renewal."
    )
    assert server.dms("mia")[-1] == (
        f"The seat of {server.student.mention} with you has been released. Their grace period ended "
        "without a renewal. You now hold 0 of 1 seat."
    )


async def test_after_pack_extend_the_student_is_warned_of_the_new_end_date_not_the_old(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=2, valid_days=10)
    old_end = START + timedelta(days=10)
    clock.advance(timedelta(days=7, hours=1))
    await server.env.bot.run_sweep()
    assert server.dms("alice")[-1].startswith(f"Your pack with {server.mentor.mention} ends {when(old_end)}")

    await server.admin.slash(server.channel, "pack extend", pack=1, days=10)
    new_end = old_end + timedelta(days=10)
    clock.advance(timedelta(days=9, hours=22))
    await server.env.bot.run_sweep()
    assert len(server.dms("alice")) == 1
    clock.advance(timedelta(hours=1))
    await server.env.bot.run_sweep()
    dms = server.dms("alice")
    assert len(dms) == 2
    assert dms[-1].startswith(
        f"Your pack with {server.mentor.mention} ends {when(new_end)} with 2 sessions left."
    )


async def test_a_pack_complete_dm_delivered_after_an_outage_counts_the_hours_left(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor()
    await desk.grant(sessions=1)
    inject_dm_error(server, "alice", status=500, message="Internal Server Error", times=1)
    await desk.complete()
    assert server.dms("alice") == []
    clock.advance(timedelta(hours=10, minutes=30))  # Discord answers again only now
    await server.env.bot.deliver_pending()
    (dm,) = server.dms("alice")
    assert dm.startswith("Your pack is complete. Renew within 62 hours to keep your seat.")


async def test_a_seat_freed_by_a_revoke_is_offered_to_the_student_waiting(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant()
    await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    await server.admin.slash(server.channel, "pack revoke", pack=1, reason="refund asked by email")
    offer = server.dms("bob")[-1]
    assert offer.startswith(f"A seat with {server.mentor.mention} is free, and it is held for you until")


async def test_a_removed_mentors_line_is_closed_and_those_in_it_told(server: Server) -> None:
    desk = Desk(server)
    await desk.mentor(seats=0)
    await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    await server.admin.slash(server.channel, "mentor remove", mentor=server.mentor)
    assert server.dms("bob")[-1] == (
        f"{server.mentor.mention} is no longer a mentor here, so their waitlist is closed and your place in "
        "it is gone. Ask an admin about a seat with another mentor."
    )
    joined = await server.student.slash(server.channel, "waitlist join", mentor=server.mentor)
    assert joined.response.content == (
        f"{server.mentor.mention} is no longer a mentor here, so their line is closed; pick another mentor."
    )


# ---- 11. Accept on a waitlist offer: the admins told as the spec says, or the way to buy -----------------


async def offered_seat(server: Server) -> Any:
    """Mia's only seat freed by a refund and offered to Bob, who waited: the offer DM."""
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant()
    await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    await server.admin.slash(server.channel, "pack revoke", pack=1, reason="refund asked by email")
    return server.users["bob"].dm_channel.history()[-1]


async def test_accept_without_a_fallback_channel_tells_the_servers_owner_by_dm(server: Server) -> None:
    offer = await offered_seat(server)
    accepted = await server.users["bob"].click(offer, label="Accept")
    assert accepted.response.content.endswith("The server's owner has been told by DM to grant you a pack.")
    owner = server.env.bot.get_guild(server.guild.id).owner_id
    assert owner not in (server.mentor.id, None)
    posts = [request for request in server.env.http_requests if request.method == "POST"]
    assert any("accepted the seat offered" in (request.json or {}).get("content", "") for request in posts), (
        "the owner got no DM"
    )
    assert not any("accepted the seat offered" in dm for dm in server.dms("mia"))


async def test_accept_with_a_fallback_channel_names_it(server: Server) -> None:
    fallback = server.guild.create_text_channel("admins")
    environment(server.env.bot, fallback_channel_id=fallback.id)
    offer = await offered_seat(server)
    accepted = await server.users["bob"].click(offer, label="Accept")
    assert accepted.response.content.endswith(
        f"The admins have been told in <#{fallback.id}> to grant you a pack."
    )
    (note,) = [message.content for message in fallback.history()]
    assert note.startswith(f"{server.other_student.mention} accepted the seat offered")


async def test_accept_where_the_server_sells_packs_answers_with_the_way_to_buy(server: Server) -> None:
    environment(
        server.env.bot, stripe_payment_link="https://buy.stripe.com/test_abc", stripe_webhook_secret="whsec_x"
    )
    offer = await offered_seat(server)
    accepted = await server.users["bob"].click(offer, label="Accept")
    assert accepted.response.content.endswith("Buy a pack with the button below to take it.")
    (row,) = accepted.response.components
    (button,) = row["components"]
    assert button["url"] == (
        f"https://buy.stripe.com/test_abc?client_reference_id={server.guild.id}_{server.other_student.id}"
    )
    assert not any("accepted the seat offered" in dm for dm in server.dms("mia"))
