"""A process serving Stripe's webhook (R23) on a database: ``python -m tests.processes.stripe_worker URL
SCHEMA NOW SECRET`` (test-only).

It starts a web door on 127.0.0.1, port 0, with the Stripe route over its own ``Service`` (the
server's secret SECRET, the clock stopped at NOW), prints one JSON line with its URL, and serves
until its stdin closes. Several of them on one PostgreSQL database are the processes of R24.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta

from bot.web import HealthChecks, Metrics, WebDoor, database_check, stripe_routes
from core.clock import ManualClock
from core.db import open_database
from core.domain import Policy
from core.service import Service


async def nothing(ids: tuple[int, ...]) -> None:
    return None


async def main(url: str, schema: str, now: str, secret: str) -> None:
    clock = ManualClock(datetime.fromisoformat(now))
    service = Service(
        open_database(url, schema=None if schema == "None" else schema),
        clock,
        Policy(stripe_webhook_secret=secret),
    )
    health = HealthChecks(
        database=database_check(service),
        last_sweep=clock.now,
        gateway=lambda: True,
        clock=clock,
        sweep_interval=timedelta(minutes=60),
    )
    metrics = Metrics()
    door = WebDoor("127.0.0.1", 0, health=health, metrics=metrics)
    door.add_routes(stripe_routes(service, metrics, nothing))
    try:
        print(json.dumps({"url": await door.start()}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await door.stop()
        await service.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
