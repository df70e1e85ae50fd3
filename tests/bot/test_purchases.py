"""Buying inside Discord (R17), as the buyer, the admins and Discord's store see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import func, insert, select

from bot.app import MentorBot
from core.clock import ManualClock
from core.schema import packs, purchases, seats, server_settings
from core.tx import Tx
from tests.bot.helpers import Desk
from tests.conftest import START, Server

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


class ConsumeSpy:
    """Counts the consume requests the bot sends to Discord, per entitlement."""

    def __init__(self, bot: MentorBot) -> None:
        self.calls: list[int] = []
        real = bot.http.consume_entitlement

        async def consume(application_id: Any, entitlement_id: Any) -> None:
            self.calls.append(int(entitlement_id))
            await real(application_id, entitlement_id)

        bot.http.consume_entitlement = consume  # type: ignore[method-assign]


async def selling(server: Server) -> Any:
    """The server sells a consumable renewal SKU (RENEWAL_SKU_ID set for it)."""
    sku = server.env.create_sku("Renewal pack", type=discord.SKUType.consumable)
    await set_for_server(the_bot(server), server.guild.id, "renewal_sku_id", str(sku.id))
    return sku


async def rows(bot: MentorBot, statement: Any) -> list[Any]:
    return await bot.service.db.read(lambda c: list(c.execute(statement)))


async def test_a_purchase_in_grace_renews_the_seat_and_no_final_warning_follows(
    server: Server, clock: ManualClock
) -> None:
    bot = the_bot(server)
    spy = ConsumeSpy(bot)
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
    assert seat.status == "active" and seat.grace_ends_at is None
    new_pack = (await rows(bot, select(packs).order_by(packs.c.id.desc())))[0]
    assert (new_pack.sessions_left, new_pack.ends_at) == (4, START + timedelta(hours=10, days=90))
    assert server.dms("alice")[-1].startswith("Thank you for your purchase: a pack of 4 sessions with")
    assert spy.calls == [entitlement.id]
    assert server.env.backend.entitlements[entitlement.id].consumed

    clock.advance(timedelta(hours=70))
    await bot.run_sweep()
    assert not [dm for dm in server.dms("alice") if dm.startswith(FINAL_WARNING)]
    (seat,) = await rows(bot, select(seats))
    assert seat.status == "active"
    assert spy.calls == [entitlement.id]  # the sweep read the store again and consumed nothing more
