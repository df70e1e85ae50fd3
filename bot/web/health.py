"""``/healthz`` (R24): is this process doing its job? 200 when every check passes, else 503, with a
JSON body saying which check failed and why, for a monitor or a load balancer.

The checks: the database answers (a trivial statement within ``database_timeout``); the last sweep is
on time (it finished no longer than two sweep intervals ago: one tick may run long, two missed ones
mean the scheduler is stuck); the Discord gateway is connected. Each is a callable the bot hands in
(``HealthChecks``), so this module knows nothing of the bot; time comes from the bot's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from core.clock import Clock
from core.health import database_answers, notifications_waiting
from core.service import Service

DATABASE_TIMEOUT_S = 5.0
# The last sweep may be this many intervals old before the check fails.
SWEEP_INTERVALS_LATE = 2


@dataclass(frozen=True)
class HealthChecks:
    """What ``/healthz`` asks. ``database``: returns once the database answered, raises otherwise;
    ``last_sweep``: when the last sweep finished (None before the first); ``gateway``: whether the
    bot is connected to Discord."""

    database: Callable[[], Awaitable[object]]
    last_sweep: Callable[[], datetime | None]
    gateway: Callable[[], bool]
    clock: Clock
    sweep_interval: timedelta
    database_timeout_s: float = DATABASE_TIMEOUT_S


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


async def check_health(checks: HealthChecks, *, up_since: datetime) -> dict[str, Check]:
    """Every check's result. Before the first sweep, the sweep counts from ``up_since`` (when the web
    door started), so a fresh process is healthy while its first sweep runs."""
    return {
        "database": await _database(checks),
        "sweep": _sweep(checks, up_since),
        "gateway": Check(True, "connected") if checks.gateway() else Check(False, "not connected"),
    }


async def _database(checks: HealthChecks) -> Check:
    try:
        await asyncio.wait_for(checks.database(), checks.database_timeout_s)
    except TimeoutError:
        return Check(False, f"no answer within {checks.database_timeout_s:g} s")
    except Exception as error:  # what failed, not its message (it may carry the database's address)
        return Check(False, f"unreachable ({type(error).__name__})")
    return Check(True, "answers")


def _sweep(checks: HealthChecks, up_since: datetime) -> Check:
    now = checks.clock.now()
    last = checks.last_sweep()
    limit = checks.sweep_interval * SWEEP_INTERVALS_LATE
    since = last if last is not None else up_since
    age = now - since
    if age <= limit:
        what = f"last finished {_span(age)} ago" if last is not None else "first sweep not finished yet"
        return Check(True, what)
    what = f"last finished {_span(age)} ago" if last is not None else f"none finished in {_span(age)}"
    return Check(
        False, f"late: {what}, more than {SWEEP_INTERVALS_LATE} intervals of {_span(checks.sweep_interval)}"
    )


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def health_body(results: dict[str, Check]) -> dict[str, Any]:
    failed = [name for name, result in results.items() if not result.ok]
    return {
        "status": "failing" if failed else "ok",
        "failed": failed,
        "checks": {name: {"ok": result.ok, "detail": result.detail} for name, result in results.items()},
    }


def health_handler(
    checks: HealthChecks, up_since: Callable[[], datetime]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(request: web.Request) -> web.Response:
        body = health_body(await check_health(checks, up_since=up_since()))
        status = 503 if body["failed"] else 200
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    return healthz


# ---- what the bot hands in, from its Service ---------------------------------------------------------


def database_check(service: Service) -> Callable[[], Awaitable[None]]:
    """``HealthChecks.database`` for a bot: one trivial read through its ``Service``."""

    async def answers() -> None:
        await service.read(database_answers)

    return answers


def waiting_counter(service: Service) -> Callable[[], Awaitable[int]]:
    """``Metrics.waiting`` for a bot: the pending DMs, counted through its ``Service``."""

    async def waiting() -> int:
        return await service.read(notifications_waiting)

    return waiting
