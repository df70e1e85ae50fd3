"""Delivery: sending what the outbox owes, once, through whatever ``Sender`` the bot provides.

A round claims due notifications under a lease (``core.outbox.claim``; stale ones are dropped there),
sends each through the sender with a nonce derived from its row, then records every outcome in one
transaction under the lease tokens it got. A crash between send and record leaves the lease to run
out; the resend carries the same nonce, which Discord dedupes. Failures Discord may recover from are
retried with back-off; a recipient who cannot be reached is mentioned in the fallback channel when
that server has one (the post is retried like a DM), and the mentor is told only when there is none.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core import outbox
from core.domain import gives_up
from core.outbox import Batch, Claimed
from core.outcomes import Outcome, apply_outcomes
from core.service import Service

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery round (or all of a drain) did, in counts."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    fallback: int = 0


class SendError(Exception):
    """A send failed. Subclasses say whether trying again can help."""


class TemporaryFailure(SendError):
    """Discord 5xx, 429, a network error: try again later."""


class Unreachable(SendError):
    """The user cannot be sent a DM (Discord 50007 DMs closed, 50278 no mutual server): never retry."""


class PermanentFailure(SendError):
    """Any other refusal (e.g. unknown user): retrying would fail the same way."""


class Sender(Protocol):
    async def send_dm(self, notification: Claimed) -> None:
        """DM ``notification.body`` to ``notification.recipient_id`` with ``notification.nonce``."""
        ...

    async def post_fallback(self, notification: Claimed) -> bool:
        """Mention the recipient with the text in the fallback channel of the notification's own server
        (``notification.guild_id``); False if that server has none. Raises a ``SendError`` as
        ``send_dm`` does."""
        ...


async def _attempt(sender: Sender, item: Claimed, now: datetime) -> Outcome:
    try:
        await sender.send_dm(item)
    except TemporaryFailure as error:
        log.warning("notification %s to user %s: will retry: %s", item.id, item.recipient_id, error)
        return Outcome(item, retry_error=str(error) or type(error).__name__)
    except Unreachable as error:
        return await _fall_back(sender, item, error, now)
    except PermanentFailure as error:
        log.warning("notification %s to user %s failed for good: %s", item.id, item.recipient_id, error)
        return Outcome(item, final_error=str(error) or type(error).__name__)
    return Outcome(item, sent=True)


async def _fall_back(sender: Sender, item: Claimed, error: Unreachable, now: datetime) -> Outcome:
    """The recipient cannot be DMed: mention them in their server's fallback channel, if it has one.

    A post Discord may yet accept is retried with the outbox's back-off, like a DM; once that has run
    out, or the channel refuses for good, the fallback counts as failed (and the mentor is told).
    """
    posted = fallback_failed = False
    try:
        posted = await sender.post_fallback(item)
    except TemporaryFailure as fallback_error:
        if not gives_up(item.due_at, now):
            log.warning(
                "notification %s: user %s cannot be DMed (%s); fallback channel will retry: %s",
                item.id,
                item.recipient_id,
                error,
                fallback_error,
            )
            return Outcome(item, retry_error=f"{error}; fallback channel: {fallback_error}")
        fallback_failed = True
        log.warning("notification %s: fallback channel failed for 48 hours: %s", item.id, fallback_error)
    except SendError as fallback_error:
        fallback_failed = True
        log.warning("notification %s: fallback channel failed too: %s", item.id, fallback_error)
    log.info(
        "notification %s: user %s cannot be DMed (%s); fallback posted: %s",
        item.id,
        item.recipient_id,
        error,
        posted,
    )
    return Outcome(
        item, unreachable_error=str(error), fallback_posted=posted, fallback_failed=fallback_failed
    )


async def deliver(
    service: Service,
    sender: Sender,
    *,
    ids: tuple[int, ...] | None = None,
    leased: Batch | None = None,
    batch: int = BATCH,
) -> DeliveryReport:
    """Deliver every due notification (or just ``ids`` and what they lead to) and report the counts.

    ``leased`` is a batch a command's own transaction already claimed (``core.runtime.Runtime.command``):
    it is sent, then only what it leads to (a note to the mentor)."""
    totals = DeliveryReport()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(item: Claimed, now: datetime) -> Outcome:
        async with gate:
            return await _attempt(sender, item, now)

    wanted = ids if leased is None else tuple(item.id for item in leased.items)
    while True:
        if leased is None:
            if wanted is not None and not wanted:
                return totals
            leased = await service.write(outbox.claim, limit=batch, ids=wanted)
        if not leased.items:
            return DeliveryReport(
                totals.sent, totals.retried, totals.failed, totals.dropped + leased.dropped, totals.fallback
            )
        now = service.clock.now()
        outcomes = list(await asyncio.gather(*(attempt(item, now) for item in leased.items)))
        applied = await service.write(apply_outcomes, outcomes)
        totals = DeliveryReport(
            sent=totals.sent + applied.sent,
            retried=totals.retried + applied.retried,
            failed=totals.failed + applied.failed,
            dropped=totals.dropped + leased.dropped,
            fallback=totals.fallback + applied.fallback,
        )
        for outcome in outcomes:
            if outcome.sent:
                log.info(
                    "notification %s (%s) sent to user %s",
                    outcome.item.id,
                    outcome.item.kind.value,
                    outcome.item.recipient_id,
                )
        leased = None
        if wanted is not None:
            # Only what this round led to (a note to the mentor) is still wanted.
            wanted = applied.follow_up_ids
