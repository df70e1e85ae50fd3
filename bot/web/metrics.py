"""The bot's Prometheus metrics (R24), served at ``/metrics``.

One ``Metrics`` per bot, with a ``CollectorRegistry`` of its own: tests build many bots in one process,
and prometheus-client's global registry refuses a metric name registered twice. The bot counts into
these objects where things happen (a command run or refused, a DM sent or given up on, a sweep, a
webhook answered); what is read from the database (DMs waiting) is read when ``/metrics`` is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

log = logging.getLogger(__name__)

# What a webhook request can come to (R23); each is shown from the start, at 0, so an alert on a rate
# has a series to watch before the first such event.
WEBHOOK_OUTCOMES = (
    "placed",  # a purchase granted a pack
    "unplaced",  # a purchase kept for an admin to place
    "refunded",  # a refund applied (or kept until its checkout arrives)
    "duplicate",  # seen before: nothing changed
    "ignored",  # an event type not handled (answered 200)
    "bad_signature",  # missing, malformed, wrong or too old (400)
    "bad_request",  # signed, but not a JSON object (400)
    "unknown_server",  # no such server or no secret set (404)
    "too_large",  # over the body limit (413)
    "error",  # the change failed and was not committed (5xx: Stripe retries)
)
# A sweep takes milliseconds to seconds (bench: ~0.2 s with 1,000 items due among 1,000,000 packs).
SWEEP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The metric objects the bot increments; ``render`` writes them in Prometheus' text format.

    ``commands`` / ``refusals``: ``.labels(command="complete").inc()``; ``dms_sent`` / ``dms_failed``:
    ``.inc(n)``; ``observe_sweep(duration_s, late_s)``; ``webhook_events.labels(outcome=…).inc()``.
    ``waiting``: set by the bot to a coroutine function counting pending DMs (``core.health``).
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.commands = Counter(
            "mentorbot_commands", "Slash commands run, by command name.", ["command"], registry=registry
        )
        self.refusals = Counter(
            "mentorbot_refusals",
            "Commands a rule refused (the caller was told why), by command name.",
            ["command"],
            registry=registry,
        )
        self.dms_sent = Counter(
            "mentorbot_dms_sent", "DMs (and fallback posts) delivered.", registry=registry
        )
        self.dms_failed = Counter(
            "mentorbot_dms_failed", "DMs given up on (marked failed).", registry=registry
        )
        self.dms_waiting = Gauge(
            "mentorbot_dms_waiting",
            "DMs owed and not yet delivered (pending), counted when /metrics is read.",
            registry=registry,
        )
        self.sweep_duration = Histogram(
            "mentorbot_sweep_duration_seconds",
            "How long each sweep took.",
            buckets=SWEEP_BUCKETS,
            registry=registry,
        )
        self.sweep_lateness = Gauge(
            "mentorbot_sweep_lateness_seconds",
            "How long after it was due the last sweep started.",
            registry=registry,
        )
        self.webhook_events = Counter(
            "mentorbot_webhook_events", "Webhook requests, by outcome.", ["outcome"], registry=registry
        )
        for outcome in WEBHOOK_OUTCOMES:
            self.webhook_events.labels(outcome=outcome)
        self.waiting: Callable[[], Awaitable[int]] | None = None

    def command(self, name: str) -> None:
        self.commands.labels(command=name).inc()

    def refusal(self, name: str) -> None:
        self.refusals.labels(command=name).inc()

    def observe_sweep(self, duration_s: float, late_s: float) -> None:
        self.sweep_duration.observe(duration_s)
        self.sweep_lateness.set(max(0.0, late_s))

    def webhook(self, outcome: str) -> None:
        self.webhook_events.labels(outcome=outcome).inc()

    async def refresh(self) -> None:
        """Read what comes from the database; a failure leaves the last value and is logged (the
        health check is what says the database is down)."""
        if self.waiting is None:
            return
        try:
            self.dms_waiting.set(await self.waiting())
        except Exception:
            log.warning("could not count the DMs waiting for /metrics", exc_info=True)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics in the format ``accept`` asks for (Prometheus text by default), and its type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
