"""Stripe's webhook (R23) through the real HTTP route on 127.0.0.1, on SQLite.

On a copy of the main database, a ``WebDoor`` with the Stripe route (its own ``Service``, the server's
webhook secret set) starts on port 0. ``events`` distinct ``checkout.session.completed`` events, each
for a different student's seat, are signed as Stripe signs them and posted by 20 concurrent clients;
one in ten is posted a second time (a retry, at a random later point among the others). Every
answer must be 200.

``webhook_per_s``: requests answered per second of wall time; ``webhook_p99_ms``: the p99 of a
request's time from send to answer; ``webhook_duplicates``: packs granted by Stripe minus the distinct
checkouts (0: each placed once, however often it came).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp

from bench.common import GUILD, NOW, copy_database, percentile, remove_database, sqlite_url
from bench.seed import student_of
from bot.web import HealthChecks, Metrics, WebDoor, stripe_path, stripe_routes, stripe_signature
from core.clock import ManualClock
from core.db import open_database
from core.domain import Policy
from core.service import Service

SECRET = "whsec_bench"
CLIENTS = 20
RESENT = 0.10


@dataclass(frozen=True)
class WebhookMeasure:
    per_s: float
    p99_ms: float
    duplicates: int
    spread: str
    requests: int

    def note(self) -> str:
        return f"{self.requests:,} requests from {CLIENTS} clients; latency {self.spread}"


def _event(n: int) -> bytes:
    return json.dumps(
        {
            "id": f"evt_bench_{n}",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": f"cs_bench_{n}",
                    "payment_status": "paid",
                    "payment_intent": f"pi_bench_{n}",
                    "client_reference_id": f"{GUILD}_{student_of(n + 1)}",
                    "customer_details": {"email": f"student{n}@example.org"},
                    "metadata": {"sessions": "4", "valid_days": "90"},
                }
            },
        }
    ).encode()


async def _nothing(ids: tuple[int, ...]) -> None:
    return None


async def _answers() -> None:
    return None


async def _post_all(path: Path, events: int) -> tuple[list[float], float]:
    clock = ManualClock(NOW)
    service = Service(open_database(sqlite_url(path)), clock, Policy(stripe_webhook_secret=SECRET))
    health = HealthChecks(_answers, lambda: NOW, lambda: True, clock, timedelta(hours=1))
    metrics = Metrics()
    door = WebDoor("127.0.0.1", 0, health=health, metrics=metrics)
    door.add_routes(stripe_routes(service, metrics, _nothing))
    base = await door.start()
    url = f"{base}{stripe_path(GUILD)}"
    bodies = [_event(n) for n in range(events)]
    order = list(range(events))
    random.Random(7).shuffle(order)
    for n in random.Random(8).sample(range(events), int(events * RESENT)):
        order.insert(random.Random(n).randrange(order.index(n) + 1, len(order) + 1), n)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in order:
        queue.put_nowait(n)
    samples: list[float] = []

    async def client() -> None:
        async with aiohttp.ClientSession() as http:
            while not queue.empty():
                body = bodies[queue.get_nowait()]
                headers = {
                    "Stripe-Signature": stripe_signature(body, SECRET, NOW),
                    "Content-Type": "application/json",
                }
                started = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                samples.append(time.perf_counter() - started)
                if response.status != 200:
                    raise AssertionError(f"answered {response.status}")

    try:
        await service.db.migrate()
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - began
    finally:
        await door.stop()
        await service.db.dispose()
    return samples, elapsed


def _stripe_packs(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(path)
    try:
        packs = connection.execute("SELECT count(*) FROM packs WHERE request_key LIKE 'stripe:%'").fetchone()[
            0
        ]
        bought = connection.execute(
            "SELECT count(*) FROM purchases WHERE checkout_id IS NOT NULL"
        ).fetchone()[0]
    finally:
        connection.close()
    return int(packs), int(bought)


def measure(seed: Path, work_dir: Path, events: int) -> WebhookMeasure:
    path = copy_database(seed, work_dir / "webhook.db")
    try:
        samples, elapsed = asyncio.run(_post_all(path, events))
        packs, bought = _stripe_packs(path)
    finally:
        remove_database(path)
    if bought != events:
        raise AssertionError(f"{bought} purchases recorded for {events} checkouts")
    p50, p90, p99 = (percentile(samples, q) * 1000 for q in (0.5, 0.9, 0.99))
    return WebhookMeasure(
        per_s=len(samples) / elapsed,
        p99_ms=p99,
        duplicates=packs - events,
        spread=f"p50 {p50:.2f} / p90 {p90:.2f} / p99 {p99:.2f} / max {max(samples) * 1000:.2f} ms",
        requests=len(samples),
    )
