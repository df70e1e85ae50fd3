"""One of several delivering processes on one database: ``python -m tests.processes.drain_worker URL
SCHEMA NOW`` (test-only).

It connects, prints ``ready``, waits for a line on stdin (so every process starts draining at once),
runs ``core.delivery.deliver`` until nothing due is left for it, and prints one JSON line: its pid,
the ids it sent (every send call, deduplicated by nothing) and its delivery report.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import asdict
from datetime import datetime

from core.clock import ManualClock
from core.db import open_database
from core.delivery import deliver
from core.domain import Policy
from core.outbox import Claimed
from core.service import Service

NETWORK_LATENCY = 0.001  # seconds per send: keeps several claims in flight at once


class CountingSender:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send_dm(self, notification: Claimed) -> None:
        await asyncio.sleep(NETWORK_LATENCY)
        self.sent.append(notification.id)

    async def post_fallback(self, notification: Claimed) -> bool:
        return False


async def main(url: str, schema: str, now: str) -> None:
    service = Service(open_database(url, schema=schema), ManualClock(datetime.fromisoformat(now)), Policy())
    sender = CountingSender()
    try:
        await service.db.read(lambda connection: None)  # connected
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        report = await deliver(service, sender)
    finally:
        await service.db.dispose()
    print(json.dumps({"pid": os.getpid(), "sent": sender.sent, "report": asdict(report)}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
