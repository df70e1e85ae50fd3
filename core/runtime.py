"""The running program around the rules, knowing nothing of Discord: the sweep pass, delivery of what
is due (or of what a command caused), the drain lock, and the next wake-up.

It holds a ``Service``, a ``Sender`` (``core.delivery``) and a "wake me at" callback, which it calls
with the next moment on the program's clock that the database says something is due (``next_due``),
or ``None`` when nothing is. The bot's scheduler turns that into a one-off tick; without one (a CLI
run, a test) the callback is left out and the next sweep finds the deadline in the database anyway.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Concatenate, ParamSpec, TypeVar

from core import outbox
from core.delivery import DeliveryReport, Sender, deliver
from core.outbox import Batch
from core.purchases.shop import Purchases
from core.service import Service
from core.sweep import SweepReport, next_due, sweep
from core.tx import Tx

log = logging.getLogger(__name__)

# After a sweep, something still "due now" is waiting on a booked session; look again in a while.
RECHECK_BLOCKED = timedelta(minutes=1)

WakeAt = Callable[[datetime | None], None]
P = ParamSpec("P")
R = TypeVar("R")


def sweep_summary(report: SweepReport) -> str:
    """What a sweep did, with the ids, on one line (for the log, `mentorbot sweep` and the demo)."""
    parts = [
        f"{label}: {', '.join(str(item) for item in ids)}"
        for label, ids in (
            ("packs expired", report.expired_packs),
            ("seats released", report.released_seats),
            ("waitlist offers lapsed", report.lapsed_offers),
            ("seats offered from the waitlist", report.offered_seats),
            ("final warnings for seats", report.final_warnings),
            ("expiry warnings for packs", report.expiry_warnings),
            ("reminders for sessions", report.session_reminders),
            ("notifications queued", report.notification_ids),
        )
        if ids
    ]
    return "; ".join(parts) or "nothing due"


class Runtime:
    def __init__(self, service: Service, sender: Sender, wake_at: WakeAt | None = None) -> None:
        self.service = service
        self.sender = sender
        self.wake_at = wake_at
        # One drain at a time in this process: overlapping ticks would only race for the same leases.
        self._drain_lock = asyncio.Lock()
        # R17: set by the bot; every sweep first reads the store for purchases not consumed yet.
        self.purchases: Purchases | None = None
        # Told what each delivery round did (the bot counts DMs sent and failed for /metrics, R24).
        self.on_delivered: Callable[[DeliveryReport], None] | None = None

    async def run_sweep(self) -> SweepReport:
        """One sweep pass (R11), then delivery of what is due, then the wake-up for what comes next.

        First, purchases not consumed yet (R17) are placed, so one bought while the bot was down (or
        whose consume a crash cut off) is placed, once, before the sweep could release its seat."""
        await self.place_purchases()
        report = await self.service.write(sweep)
        if report.changed:
            log.info("sweep: %s", sweep_summary(report))
        await self.deliver_pending()
        await self.arm_wakeup(after_sweep=True)
        return report

    async def place_purchases(self) -> None:
        """Place the purchases the store holds unconsumed (R17): at start and in every sweep."""
        if self.purchases is None:
            return
        try:
            await self.purchases.place_unconsumed()
        except Exception:  # the sweep's own work must not wait on the store
            log.exception("placing unconsumed purchases failed; the next sweep tries again")

    async def deliver_pending(self) -> DeliveryReport:
        """Deliver every due notification now."""
        async with self._drain_lock:
            return self._delivered(await deliver(self.service, self.sender))

    def _delivered(self, report: DeliveryReport) -> DeliveryReport:
        if self.on_delivered is not None:
            self.on_delivered(report)
        return report

    async def command(
        self, use_case: Callable[Concatenate[Tx, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> tuple[R, Batch]:
        """Run a command's use case in one transaction, in which the DMs it owes are queued already
        leased to it (``Tx.lease_until``) and returned with their servers' letterheads: sending them
        after the reply needs no claim. Should the process stop before they are sent, the lease runs
        out and the delivery tick sends them; the nonce makes a resend show once."""

        def leasing(tx: Tx, /, *args: P.args, **kwargs: P.kwargs) -> tuple[R, Batch]:
            leasing_tx = dataclasses.replace(tx, lease_until=tx.now + outbox.LEASE)
            result = use_case(leasing_tx, *args, **kwargs)
            return result, outbox.leased_here(leasing_tx)

        return await self.service.write(leasing, *args, **kwargs)

    async def deliver_caused(self, ids: Iterable[int] = (), *, leased: Batch | None = None) -> DeliveryReport:
        """Deliver the notifications a command just caused (``ids``, or the batch its transaction
        leased) and re-arm the wake-up it may have moved.

        Runs after the command's reply: a failure here is logged, never raised over that reply. The
        notifications stay in the outbox, and the delivery tick sends them.
        """
        wanted = tuple(ids) if leased is None else tuple(item.id for item in leased.items)
        try:
            if leased is not None:
                report = await deliver(self.service, self.sender, leased=leased)
            elif wanted:
                report = await deliver(self.service, self.sender, ids=wanted)
            else:
                report = DeliveryReport()
            await self.arm_wakeup()
        except Exception:
            log.exception(
                "delivering notifications %s after a command failed; the delivery tick retries", wanted
            )
            return DeliveryReport()
        return self._delivered(report)

    async def arm_wakeup(self, *, after_sweep: bool = False) -> None:
        """Ask to be woken at the next moment the sweep has something to do."""
        if self.wake_at is None:
            return
        due = await self.service.read(next_due)
        if due is None:
            self.wake_at(None)
            return
        now = self.service.clock.now()
        if due <= now and after_sweep:
            # The sweep just ran and left it due: it waits on something (a booked session) to end.
            due = now + RECHECK_BLOCKED
        self.wake_at(max(due, now))
