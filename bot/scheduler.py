"""The clock ticks: APScheduler runs the sweep every ``SWEEP_INTERVAL_MINUTES`` (and once at start),
delivery every 15 seconds, and a one-off wake-up at the next due moment the database names.

Ticks only make the bot look at the database, which holds every deadline and every owed DM: a missed
or lost tick loses nothing (the next one, or the first sweep after downtime, catches up). Each job runs
with ``misfire_grace_time=None`` and ``coalesce=True``, so a late tick runs once instead of being
skipped or piling up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import Clock, SystemClock
from core.config import Settings

log = logging.getLogger(__name__)

DELIVERY_INTERVAL = timedelta(seconds=15)
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class Ticks:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        sweep: Callable[[], Awaitable[object]],
        deliver: Callable[[], Awaitable[object]],
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.run_sweep = sweep
        self.deliver_pending = deliver
        # APScheduler keeps wall-clock time; the program's clock may be a test's ManualClock, so
        # moments on the program's clock are turned into wall-clock run times here.
        self.wall = SystemClock()
        self.scheduler = AsyncIOScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)

    def start(self) -> None:
        self.scheduler.add_job(
            self._sweep,
            IntervalTrigger(minutes=self.settings.sweep_interval_minutes),
            id="sweep",
            next_run_time=self.wall.now(),  # once at start: catch up after downtime
            replace_existing=True,
        )
        self.scheduler.add_job(
            self._deliver,
            IntervalTrigger(seconds=DELIVERY_INTERVAL.total_seconds()),
            id="delivery",
            replace_existing=True,
        )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def wake_at(self, moment: datetime | None) -> None:
        """Run the sweep once at ``moment`` on the program's clock (replacing the previous wake-up);
        ``None``: nothing is due, so no wake-up."""
        if moment is None:
            self.disarm_wakeup()
            return
        if not self.scheduler.running:
            return
        run_at = self.wall.now() + max(moment - self.clock.now(), timedelta(0))
        self.scheduler.add_job(self._sweep, DateTrigger(run_date=run_at), id="wakeup", replace_existing=True)
        log.debug("wake-up armed for %s", run_at.isoformat())

    def disarm_wakeup(self) -> None:
        if self.scheduler.running and self.scheduler.get_job("wakeup") is not None:
            self.scheduler.remove_job("wakeup")

    async def _sweep(self) -> None:
        try:
            await self.run_sweep()
        except Exception:
            log.exception("sweep failed; the next tick tries again")

    async def _deliver(self) -> None:
        try:
            await self.deliver_pending()
        except Exception:
            log.exception("delivery failed; the next tick tries again")
