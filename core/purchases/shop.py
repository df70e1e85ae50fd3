"""Purchases as they arrive (R17), knowing nothing of Discord: record and place an entitlement, deliver
the DMs that caused, then consume it at the store, and read the store again for what was bought while
the bot was down.

The store is a ``Shop`` (the bot's is Discord's entitlements API). The order is the point: the grant
commits first, the consume follows, and ``mark_consumed`` records that it did. A crash between the two
leaves the entitlement unconsumed at the store; the next ``place_unconsumed`` (at start, in every
sweep) finds it, finds the purchase already recorded (keyed by the entitlement id), and only consumes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.purchases.record import mark_consumed, record_purchase
from core.purchases.results import PurchaseRecorded
from core.service import Service

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bought:
    """An entitlement as the store reports it."""

    entitlement_id: int
    sku_id: int
    user_id: int
    guild_id: int | None = None


class ShopError(Exception):
    """The store could not be reached or refused; the next sweep tries again."""


class Shop(Protocol):
    async def unconsumed(self) -> Sequence[Bought]:
        """Every entitlement of this application not consumed (nor ended) yet."""
        ...

    async def consume(self, entitlement_id: int) -> None:
        """Consume it; one the store reports as consumed already counts as done. Raises ShopError."""
        ...

    def server_ids(self) -> Sequence[int]:
        """The servers the bot is in (where an unplaced purchase may be kept)."""
        ...


class Purchases:
    def __init__(
        self, service: Service, shop: Shop, deliver_caused: Callable[[tuple[int, ...]], Awaitable[object]]
    ) -> None:
        self.service = service
        self.shop = shop
        self.deliver_caused = deliver_caused
        # One purchase at a time in this process: the listener and a sweep may hold the same one.
        self._lock = asyncio.Lock()

    async def take(self, bought: Bought) -> PurchaseRecorded | None:
        """Record and place ``bought`` (once, however often it comes), tell the buyer, consume it.

        None: no server sells this SKU as its renewal SKU, so it is left alone (not consumed)."""
        async with self._lock:
            result = await self.service.write(
                record_purchase,
                entitlement_id=bought.entitlement_id,
                sku_id=bought.sku_id,
                buyer_user_id=bought.user_id,
                guild_id=bought.guild_id,
                server_ids=tuple(self.shop.server_ids()),
            )
            if result is None:
                log.info(
                    "entitlement %s: SKU %s is no server's renewal SKU; left alone",
                    bought.entitlement_id,
                    bought.sku_id,
                )
                return None
            if not result.already_recorded:
                log.info(
                    "entitlement %s of user %s: purchase %s %s%s",
                    bought.entitlement_id,
                    bought.user_id,
                    result.purchase_id,
                    result.status.value,
                    f" as pack {result.pack.pack_id} on seat {result.pack.seat_id}" if result.pack else "",
                )
            if result.notification_ids:
                await self.deliver_caused(result.notification_ids)
            if not result.consumed:
                try:
                    await self.shop.consume(bought.entitlement_id)
                except ShopError as error:
                    log.warning(
                        "entitlement %s: consume failed, the next sweep retries: %s",
                        bought.entitlement_id,
                        error,
                    )
                    return result
                await self.service.write(mark_consumed, entitlement_ids=[bought.entitlement_id])
            return result

    async def place_unconsumed(self) -> list[PurchaseRecorded]:
        """Read the store for what is not consumed yet and take each (at start, and in every sweep)."""
        try:
            waiting = await self.shop.unconsumed()
        except ShopError as error:
            log.warning("could not read the entitlements, the next sweep retries: %s", error)
            return []
        taken = []
        for bought in waiting:
            result = await self.take(bought)
            if result is not None:
                taken.append(result)
        return taken
