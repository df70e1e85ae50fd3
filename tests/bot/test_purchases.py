"""Buying inside Discord (R17), as the buyer, the admins and Discord's store see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import func, insert, select

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from core.schema import packs, purchases, seats, server_settings
from core.tx import Tx
from tests.bot.helpers import Desk, refused
from tests.conftest import START, Server, environment

FINAL_WARNING = "Your seat will be released in"


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


async def set_for_server(bot: MentorBot, guild_id: int, name: str, value: str) -> None:
    """What `/settings set` stores for one server (R14)."""

    def store(tx: Tx) -> None:
        tx.conn.execute(
            insert(server_settings).values(
                guild_id=guild_id, name=name, value=value, updated_by=1, updated_at=tx.now
            )
        )

    await bot.service.write(store)


@pytest.fixture
def consumed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The consume requests every bot of the test sends to Discord, in order (entitlement ids)."""
    calls: list[int] = []
    real = discord.http.HTTPClient.consume_entitlement

    def consume(self: discord.http.HTTPClient, application_id: Any, entitlement_id: Any) -> Any:
        calls.append(int(entitlement_id))
        return real(self, application_id, entitlement_id)

    monkeypatch.setattr(discord.http.HTTPClient, "consume_entitlement", consume)
    return calls


async def selling(server: Server) -> Any:
    """The server sells a consumable renewal SKU (RENEWAL_SKU_ID set for it)."""
    sku = server.env.create_sku("Renewal pack", type=discord.SKUType.consumable)
    await set_for_server(the_bot(server), server.guild.id, "renewal_sku_id", str(sku.id))
    return sku


async def rows(bot: MentorBot, statement: Any) -> list[Any]:
    return await bot.service.db.read(lambda c: list(c.execute(statement)))


async def test_a_purchase_in_grace_renews_the_seat_and_no_final_warning_follows(
    server: Server, clock: ManualClock, consumed: list[int]
) -> None:
    bot = the_bot(server)
    sku = await selling(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()  # the last session: the seat enters grace
    (seat,) = await rows(bot, select(seats))
    assert seat.status == "grace"

    clock.advance(timedelta(hours=10))
    entitlement = await server.env.grant_entitlement(sku, user=server.student)

    (seat,) = await rows(bot, select(seats))
    assert seat.status == "active"
    assert seat.grace_ends_at is None
    new_pack = (await rows(bot, select(packs).order_by(packs.c.id.desc())))[0]
    assert (new_pack.sessions_left, new_pack.ends_at) == (4, START + timedelta(hours=10, days=90))
    assert server.dms("alice")[-1].startswith("Thank you for your purchase: a pack of 4 sessions with")
    assert consumed == [entitlement.id]
    assert server.env.backend.entitlements[entitlement.id].consumed

    clock.advance(timedelta(hours=70))
    await bot.run_sweep()
    assert not [dm for dm in server.dms("alice") if dm.startswith(FINAL_WARNING)]
    (seat,) = await rows(bot, select(seats))
    assert seat.status == "active"
    assert consumed == [entitlement.id]  # the sweep read the store again and consumed nothing more


async def restart(server: Server, settings: Settings, clock: ManualClock) -> MentorBot:
    """Stop the running bot and start a new one on the same settings, database and clock."""
    old = server.env.bot
    new = create_bot(settings, clock=clock)
    await server.env.restart_bot(new)
    await old.close()
    return new


async def pack_count(bot: MentorBot) -> int:
    return int((await rows(bot, select(func.count()).select_from(packs)))[0][0])


async def test_the_same_entitlement_delivered_twice_grants_one_pack(
    server: Server, consumed: list[int]
) -> None:
    bot = the_bot(server)
    sku = await selling(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant()
    entitlement = await server.env.grant_entitlement(sku, user=server.student)
    await entitlement.replay_create()
    await entitlement.replay_create()

    assert await pack_count(bot) == 2  # the admin's grant and the purchase
    assert [row.pack_id is not None for row in await rows(bot, select(purchases))] == [True]
    assert consumed == [entitlement.id]
    bought = [dm for dm in server.dms("alice") if dm.startswith("Thank you for your purchase")]
    assert len(bought) == 1
    assert server.env.errors == []


async def test_a_purchase_made_while_the_bot_is_stopped_is_placed_at_start(
    server: Server, settings: Settings, clock: ManualClock, consumed: list[int]
) -> None:
    sku = await selling(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()  # in grace
    # Bought while no bot is connected: Discord holds the entitlement, no CREATE reaches anyone.
    entitlement = server.env.seed_entitlement(sku, user=server.student)

    bot = await restart(server, settings, clock)

    (seat,) = await rows(bot, select(seats))
    assert seat.status == "active"
    assert await pack_count(bot) == 2
    assert consumed == [entitlement.id]
    assert server.env.backend.entitlements[entitlement.id].consumed
    await bot.run_sweep()  # the sweep reads the store again: nothing left to place or consume
    assert await pack_count(bot) == 2
    assert consumed == [entitlement.id]


async def test_a_purchase_with_no_seat_stays_unplaced_until_pack_grant_names_it(
    server: Server, consumed: list[int]
) -> None:
    bot = the_bot(server)
    sku = await selling(server)
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(bot, fallback_channel_id=fallback.id)
    await set_for_server(bot, server.guild.id, "fallback_channel_id", str(fallback.id))
    desk = Desk(server)
    await desk.mentor(seats=1)

    entitlement = await server.env.grant_entitlement(sku, user=server.student)

    (purchase,) = await rows(bot, select(purchases))
    assert (purchase.status, purchase.pack_id, purchase.guild_id) == ("unplaced", None, server.guild.id)
    assert consumed == [entitlement.id]  # kept by the bot now, so Discord lets them buy again
    assert await pack_count(bot) == 0
    assert server.dms("alice") == [
        f"Thank you for your purchase (#{purchase.id}). You hold no seat with a mentor here, so it is "
        "kept for you: an admin will place it with a mentor and you will be told."
    ]
    (posted,) = fallback.history()
    assert posted.content.startswith(f"{server.student.mention} bought a pack (purchase #{purchase.id})")

    choices = await server.admin.autocomplete(
        server.channel, "pack grant", "purchase", "", student=server.student, mentor=server.mentor
    )
    assert [
        (choice["value"], str(choice["name"]).startswith(f"#{purchase.id} · bought by alice"))
        for choice in choices
    ] == [(purchase.id, True)]
    # Only admins see the purchases, also where the server lets everyone see /pack.
    await server.widen("pack")
    assert await server.mentor.autocomplete(server.channel, "pack grant", "purchase", "") == []

    wrong = await refused(
        server,
        server.admin.slash(
            server.channel,
            "pack grant",
            student=server.other_student,
            mentor=server.mentor,
            purchase=purchase.id,
        ),
    )
    assert wrong == (
        f"Purchase #{purchase.id} was bought by {server.student.mention}; grant it to them, "
        "or pick another purchase."
    )
    reply = await desk.grant(purchase=purchase.id)
    assert reply.startswith(f"Granted {server.student.mention} a pack of 4 sessions")
    assert reply.endswith(
        f"A new seat was reserved for them. It places purchase #{purchase.id}; they have been told."
    )
    (purchase,) = await rows(bot, select(purchases))
    assert purchase.status == "placed"
    assert purchase.pack_id is not None
    assert server.dms("alice")[-1].startswith("Thank you for your purchase: a pack of 4 sessions with")
    again = await refused(
        server,
        server.admin.slash(
            server.channel, "pack grant", student=server.student, mentor=server.mentor, purchase=purchase.id
        ),
    )
    assert again == f"Purchase #{purchase.id} is already placed; pick one that is still unplaced."
    assert await pack_count(bot) == 1
    assert consumed == [entitlement.id]
    assert await server.admin.autocomplete(server.channel, "pack grant", "purchase", "") == []


# ---- how to renew, per the server's settings ---------------------------------------------------------


def buttons(message: discord.Message) -> list[tuple[discord.ButtonStyle, int | None, str | None]]:
    return [
        (child.style, child.sku_id, child.url)  # type: ignore[union-attr]
        for row in message.components
        for child in row.children  # type: ignore[union-attr]
    ]


def reply_buttons(message: Any) -> list[tuple[int, str | None, str | None]]:
    """The buttons of a reply as Discord was sent them (style, SKU id, URL)."""
    return [
        (child["style"], child.get("sku_id"), child.get("url"))
        for row in message.components
        for child in row["components"]
    ]


async def one_left_dm(server: Server) -> discord.Message:
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=2)
    await desk.complete()  # nothing booked: an unscheduled session, 1 of 2
    await desk.book(START + timedelta(days=2))
    one_left, booked = server.users["alice"].dm_channel.history()
    assert "booked a 60-minute session" in booked.content
    assert booked.components == []  # not a renewal DM
    assert "You have 1 session remaining. Renew now to continue." in one_left.content
    return one_left


async def test_with_a_renewal_sku_renewal_dms_and_mysessions_carry_the_premium_button(server: Server) -> None:
    bot = the_bot(server)
    await set_for_server(bot, server.guild.id, "renew_url", "https://example.com/renew")
    sku = await selling(server)  # the SKU wins over the link

    one_left = await one_left_dm(server)

    assert buttons(one_left) == [(discord.ButtonStyle.premium, sku.id, None)]
    assert "ask an admin" not in one_left.content
    result = await server.student.slash(server.channel, "mysessions")
    (renew,) = result.followups
    assert reply_buttons(renew) == [(discord.ButtonStyle.premium.value, str(sku.id), None)]


async def test_the_final_warning_carries_the_premium_button(server: Server, clock: ManualClock) -> None:
    bot = the_bot(server)
    sku = await selling(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()
    clock.advance(timedelta(hours=60))  # 12 hours before the grace ends
    await bot.run_sweep()
    final = server.users["alice"].dm_channel.history()[-1]
    assert FINAL_WARNING in final.content
    assert buttons(final) == [(discord.ButtonStyle.premium, sku.id, None)]


async def test_without_a_sku_the_renew_link_shows(server: Server) -> None:
    await set_for_server(the_bot(server), server.guild.id, "renew_url", "https://example.com/renew")
    one_left = await one_left_dm(server)
    assert buttons(one_left) == [(discord.ButtonStyle.link, None, "https://example.com/renew")]
    result = await server.student.slash(server.channel, "mysessions")
    (renew,) = result.followups
    assert reply_buttons(renew) == [(discord.ButtonStyle.link.value, None, "https://example.com/renew")]


async def test_without_either_the_dm_says_to_ask_an_admin_of_the_server(server: Server) -> None:
    one_left = await one_left_dm(server)
    assert buttons(one_left) == []
    assert one_left.content.splitlines()[-1] == "To renew, ask an admin of Mentorship."
    result = await server.student.slash(server.channel, "mysessions")
    assert result.followups == []
