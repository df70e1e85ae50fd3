"""The door into core: runs a use case or a read model in one transaction, with the clock and policy.

The bot (and tests, benchmarks, the demo) hold one ``Service``; the composition root builds it from
the settings, or from a test's ``ManualClock`` and database through the same constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from core.clock import Clock
from core.db import Database
from core.domain import Policy
from core.tx import Tx

P = ParamSpec("P")
R = TypeVar("R")


class Service:
    def __init__(self, db: Database, clock: Clock, defaults: Policy) -> None:
        self.db = db
        self.clock = clock
        self.defaults = defaults  # the server settings of a server that set none (R14)

    async def write(self, use_case: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``use_case`` in one read-write transaction; a refusal rolls it back and propagates."""

        def work(connection: Connection) -> R:
            return use_case(Tx(connection, self.clock.now(), self.defaults), *args, **kwargs)

        return await self.db.write(work)

    async def read(self, view: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        def work(connection: Connection) -> R:
            return view(Tx(connection, self.clock.now(), self.defaults), *args, **kwargs)

        return await self.db.read(work)
