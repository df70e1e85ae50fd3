"""The way to renew, where a server sells through Stripe (R23): renewal DMs, the final warning, a
waitlist offer and ``/mysessions`` link to the Payment Link naming the buyer
(``client_reference_id=<server>_<user>``), and paying through that link keeps the seat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import discord
from sqlalchemy import select

from bot.app import MentorBot
from core.clock import ManualClock
from core.schema import seats
from tests.bot.helpers import Desk
from tests.conftest import Server, environment
from tests.web.stripe_helpers import PAYMENT_LINK, checkout, post, selling_through_stripe


def links(message: discord.Message) -> list[str]:
    return [
        str(child.url)  # type: ignore[union-attr]
        for row in message.components
        for child in row.children  # type: ignore[union-attr]
        if child.url  # type: ignore[union-attr]
    ]


def reference(url: str) -> str:
    assert url.startswith(f"{PAYMENT_LINK}?")
    (found,) = parse_qs(urlsplit(url).query)["client_reference_id"]
    return found


async def statuses(bot: MentorBot) -> list[str]:
    return [row.status for row in await bot.service.db.read(lambda c: list(c.execute(select(seats))))]


async def test_the_final_warning_links_to_stripe_and_paying_there_keeps_the_seat(
    server: Server, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    bot = selling_through_stripe(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()  # pack complete: the seat is in grace
    complete = server.users["alice"].dm_channel.history()[-1]
    (url,) = links(complete)
    assert reference(url) == f"{server.guild.id}_{server.student.id}"
    assert "ask an admin" not in complete.content

    clock.advance(timedelta(hours=61))
    await bot.run_sweep()
    final = server.users["alice"].dm_channel.history()[-1]
    assert "Your seat will be released in" in final.content
    (url,) = links(final)

    paid = checkout(server.guild.id, None, reference=reference(url))
    status, answer = await post(http, bot, server.guild.id, paid)
    assert (status, answer["outcome"]) == (200, "placed")
    clock.advance(timedelta(hours=12))  # past the old deadline
    await bot.run_sweep()
    assert await statuses(bot) == ["active"]


async def test_mysessions_links_to_stripe_naming_the_caller(server: Server) -> None:
    selling_through_stripe(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)  # one session left: renewing makes sense, so /mysessions offers it
    result = await server.student.slash(server.channel, "mysessions")
    (renew,) = result.followups
    (button,) = [child for row in renew.components for child in row["components"]]
    assert reference(button["url"]) == f"{server.guild.id}_{server.student.id}"


async def test_a_waitlist_offer_links_to_stripe_and_a_payment_takes_the_offered_seat(
    server: Server, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    bot = selling_through_stripe(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await server.other_student.slash(server.channel, "waitlist join", mentor=server.mentor)
    await desk.complete()
    clock.advance(timedelta(hours=73))
    await bot.run_sweep()  # Alice's seat is released and offered to Bob
    offer = server.users["bob"].dm_channel.history()[-1]
    (url,) = links(offer)
    assert reference(url) == f"{server.guild.id}_{server.other_student.id}"
    assert "buy a pack with the button below" in offer.content

    status, answer = await post(
        http, bot, server.guild.id, checkout(server.guild.id, server.other_student.id)
    )
    assert (status, answer["outcome"]) == (200, "placed")
    assert sorted(await statuses(bot)) == ["active", "released"]


async def test_a_link_without_a_webhook_secret_is_not_offered(server: Server) -> None:
    bot: Any = selling_through_stripe(server)
    environment(bot, stripe_webhook_secret=None, renew_url="https://example.com/renew")
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()
    complete = server.users["alice"].dm_channel.history()[-1]
    assert links(complete) == ["https://example.com/renew"]  # payments could not reach the bot
