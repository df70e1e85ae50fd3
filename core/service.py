"""The door into core: runs a use case or a read model in one transaction, with the clock and policy
(the environment's server settings, and ``policy_of`` to lay over them what each server set).

The bot (and tests, benchmarks, the demo) hold one ``Service``; the composition root builds it from
the settings, or from a test's ``ManualClock`` and database through the same constructor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from core.clock import Clock
from core.db import Database
from core.domain import Actor, Policy
from core.settings.policy import policy_of, with_admin_role
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
            tx = Tx(connection, self.clock.now(), self.defaults, policy_of)
            return use_case(tx, *args, **_settled(tx, kwargs))

        return await self.db.write(work)

    async def read(self, view: Callable[Concatenate[Tx, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        def work(connection: Connection) -> R:
            tx = Tx(connection, self.clock.now(), self.defaults, policy_of)
            return view(tx, *args, **_settled(tx, kwargs))

        return await self.db.read(work)


def _settled(tx: Tx, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments with ``actor`` an admin if they hold the server's admin role: the role is
    a server setting (R14), so it is read here, in the transaction, for every use case and view."""
    actor, guild_id = kwargs.get("actor"), kwargs.get("guild_id")
    if isinstance(actor, Actor) and actor.role_ids and isinstance(guild_id, int):
        return {**kwargs, "actor": with_admin_role(tx, guild_id, actor)}
    return kwargs
