"""Purchases (R17) across OS processes: one killed with SIGKILL between the grant's commit and the
consume, and two on PostgreSQL taking the same entitlement at once. Each ends in exactly one pack."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from core.domain import Policy
from core.purchases import Bought, Purchases
from core.schema import packs, purchases
from core.service import Service
from tests.conftest import START, Program, Store
from tests.processes.zygote import REPO

SKU = 7_000
BUYER = 20
KILLS = 3


@pytest.fixture
def policy() -> Policy:
    return Policy(renewal_sku_id=SKU)


async def worker(store: Store, entitlement: int, mode: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.processes.purchase_worker",
        store.url,
        str(store.schema),
        START.isoformat(),
        str(SKU),
        str(entitlement),
        str(BUYER),
        mode,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert line == b"ready\n", line
    return process


async def go(process: asyncio.subprocess.Process) -> None:
    assert process.stdin is not None
    process.stdin.write(b"go\n")
    await process.stdin.drain()


async def read_json(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    return dict(json.loads(await asyncio.wait_for(process.stdout.readline(), 60)))


class Discord:
    """The store after the crash: it still holds the entitlements, unconsumed."""

    def __init__(self, waiting: Sequence[Bought]) -> None:
        self.waiting = list(waiting)
        self.consumed: list[int] = []

    async def unconsumed(self) -> Sequence[Bought]:
        return [item for item in self.waiting if item.entitlement_id not in self.consumed]

    async def consume(self, entitlement_id: int) -> None:
        self.consumed.append(entitlement_id)

    def server_ids(self) -> Sequence[int]:
        return ()


async def nothing(ids: tuple[int, ...]) -> None:
    return None


async def counts(service: Service) -> tuple[int, int, int]:
    def read(connection: Any) -> tuple[int, int, int]:
        return (
            connection.execute(select(func.count()).select_from(packs)).scalar_one(),
            connection.execute(select(func.count()).select_from(purchases)).scalar_one(),
            connection.execute(
                select(func.count()).select_from(purchases).where(purchases.c.consumed_at.is_not(None))
            ).scalar_one(),
        )

    return await service.db.read(read)


@pytest.mark.slow
async def test_kill_9_between_the_grant_and_the_consume_grants_once_and_consumes_once(
    program: Program, store: Store, service: Service, backend: str
) -> None:
    await program.mentor(seats=1)
    await program.grant(sessions=1)
    await program.complete()  # in grace: the purchase renews it
    bought = [Bought(500 + index, SKU, BUYER) for index in range(KILLS)]
    for item in bought:
        process = await worker(store, item.entitlement_id, "crash")
        try:
            await go(process)
            halted = await read_json(process)
            assert halted["event"] == "halted"
            process.send_signal(signal.SIGKILL)
            assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    # Every grant committed before its process died; none was consumed.
    assert await counts(service) == (1 + KILLS, KILLS, 0)
    seat = await program.rows(select(packs.c.seat_id).distinct())
    assert len(seat) == 1

    # The next start reads the store: each purchase is found recorded, and only consumed.
    discord = Discord(bought)
    shop = Purchases(service, discord, nothing)
    await shop.place_unconsumed()
    await shop.place_unconsumed()  # and the sweep after it finds nothing left

    assert discord.consumed == [item.entitlement_id for item in bought]
    assert await counts(service) == (1 + KILLS, KILLS, KILLS)
    print(
        f"\n{KILLS} processes killed between grant and consume on {backend}: {KILLS} packs, {KILLS} consumes"
    )


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_processes_on_postgresql_taking_one_entitlement_grant_one_pack(
    program: Program, store: Store, service: Service
) -> None:
    await program.mentor(seats=1)
    await program.grant(sessions=1)
    await program.complete()
    for entitlement in range(900, 910):  # ten purchases, each seen by two processes at once
        processes = [await worker(store, entitlement, "race") for _ in range(2)]
        try:
            await asyncio.gather(*(go(process) for process in processes))
            results = [await read_json(process) for process in processes]
            for process in processes:
                assert await asyncio.wait_for(process.wait(), 30) == 0
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        assert sorted(result["already"] for result in results) == [False, True]
        assert {result["status"] for result in results} == {"placed"}
    packs_count, purchases_count, _ = await counts(service)
    assert (packs_count, purchases_count) == (11, 10)
