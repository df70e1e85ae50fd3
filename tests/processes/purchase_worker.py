"""A process that takes one purchase (R17): ``python -m tests.processes.purchase_worker URL SCHEMA NOW
SKU ENTITLEMENT BUYER MODE`` (test-only).

It connects, prints ``ready``, waits for a line on stdin (so several processes go at once), then runs
``core.purchases.shop.Purchases.take`` for the entitlement with a store that records the consume calls. MODE
``race``: prints one JSON line (pid, what the purchase came to, the consume calls). MODE ``crash``:
the consume prints ``halted`` (the grant has committed) and blocks until the test kills it (SIGKILL).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from core.clock import ManualClock
from core.db import open_database
from core.domain import Policy
from core.purchases import Bought, Purchases
from core.service import Service

BLOCK_SECONDS = 60  # if the test never kills a halted process, it exits on its own
GUILD = 1000


class RecordingStore:
    def __init__(self, crash: bool) -> None:
        self.crash = crash
        self.consumed: list[int] = []

    async def unconsumed(self) -> Sequence[Bought]:
        return []

    async def consume(self, entitlement_id: int) -> None:
        if self.crash:
            print(json.dumps({"event": "halted", "pid": os.getpid()}), flush=True)
            time.sleep(BLOCK_SECONDS)  # noqa: ASYNC251 - frozen, loop and all, between commit and consume
            os._exit(3)
        self.consumed.append(entitlement_id)

    def server_ids(self) -> Sequence[int]:
        return (GUILD,)


async def nothing(ids: tuple[int, ...]) -> None:
    return None


async def main(url: str, schema: str, now: str, sku: str, entitlement: str, buyer: str, mode: str) -> None:
    policy = Policy(renewal_sku_id=int(sku))
    service = Service(
        open_database(url, schema=None if schema == "None" else schema),
        ManualClock(datetime.fromisoformat(now)),
        policy,
    )
    store = RecordingStore(crash=mode == "crash")
    try:
        await service.db.read(lambda connection: None)  # connected
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        result = await Purchases(service, store, nothing).take(Bought(int(entitlement), int(sku), int(buyer)))
    finally:
        await service.db.dispose()
    print(
        json.dumps(
            {
                "pid": os.getpid(),
                "status": result.status.value if result else None,
                "already": result.already_recorded if result else None,
                "consumed": store.consumed,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:8]))
