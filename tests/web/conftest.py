"""Builders for the web door's tests: doors started on 127.0.0.1, port 0, and stopped after the test;
an HTTP client that talks to them over real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.web import HealthChecks, Metrics, WebDoor
from core.clock import ManualClock

SWEEP_INTERVAL = timedelta(minutes=60)


async def answers() -> None:
    return None


@dataclass
class Probes:
    """What a test door's health checks read; a test changes them to make a check fail."""

    clock: ManualClock
    last_sweep: datetime | None = None
    gateway: bool = True
    database: Callable[[], Awaitable[object]] = field(default=answers)

    def checks(self) -> HealthChecks:
        async def database() -> object:
            return await self.database()

        return HealthChecks(
            database=database,
            last_sweep=lambda: self.last_sweep,
            gateway=lambda: self.gateway,
            clock=self.clock,
            sweep_interval=SWEEP_INTERVAL,
            database_timeout_s=0.5,
        )


@pytest.fixture
def probes(clock: ManualClock) -> Probes:
    return Probes(clock=clock, last_sweep=clock.now())


DoorFactory = Callable[..., Awaitable[WebDoor]]


@pytest.fixture
async def make_door(probes: Probes) -> AsyncIterator[DoorFactory]:
    """``await make_door(routes=[...])``: a started door on 127.0.0.1 and a free port."""
    started: list[WebDoor] = []

    async def make(
        *, routes: list[Any] | None = None, metrics: Metrics | None = None, port: int = 0, start: bool = True
    ) -> WebDoor:
        door = WebDoor("127.0.0.1", port, health=probes.checks(), metrics=metrics or Metrics())
        door.add_routes(routes or [])
        started.append(door)
        if start:
            await door.start()
        return door

    yield make
    for door in started:
        await door.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that closes each connection after its answer (as Stripe's deliveries and a polling
    calendar app may): an idle kept-alive connection would be the running bot's unfinished work to
    SimCord, which waits for a bot to settle after every interaction."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session
