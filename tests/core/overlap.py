"""Two transactions made to overlap on purpose, for the races on one seat (``test_seat_races``).

``Gate.hold(use_case)`` is the use case run to its end and then held there, before its transaction
commits, until the gate opens: a unit of work runs in SQLAlchemy's greenlet, so it can wait on an
``asyncio.Event`` (``await_only``) with its connection, its row locks and its uncommitted writes kept.
``overlap`` starts the held transaction, lets the other one run beside it for a moment (long enough
to finish if nothing makes it wait), then opens the gate: without the seat lock the second one reads
what the first has not committed yet and acts on it; with it, it waits and reads what the first left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.util import await_only

from core.errors import Refusal
from core.tx import Tx

T = TypeVar("T")
# How long the second transaction is given to run while the first is held.
SETTLE_S = 0.5


class Gate:
    """Where a held transaction waits: ``reached`` once it has done its work, ``opened`` to let it commit."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.opened = asyncio.Event()

    def hold(self, use_case: Callable[..., T]) -> Callable[..., T]:
        def held(tx: Tx, *args: Any, **kwargs: Any) -> T:
            result = use_case(tx, *args, **kwargs)
            self.reached.set()
            await_only(self.opened.wait())
            return result

        return held


async def _settled(task: asyncio.Future[Any]) -> Any:
    """The task's result, or the refusal it raised."""
    try:
        return await task
    except Refusal as refusal:
        return refusal


async def overlap(first: Awaitable[Any], second: Callable[[], Awaitable[Any]], gate: Gate) -> tuple[Any, Any]:
    """Run ``first`` (a use case ``gate`` holds) until it is held, then ``second()`` beside it; let
    ``first`` commit after ``SETTLE_S``. Both outcomes (a result or a refusal), in that order."""
    held = asyncio.ensure_future(first)
    reached = asyncio.ensure_future(gate.reached.wait())
    await asyncio.wait({held, reached}, return_when=asyncio.FIRST_COMPLETED)
    reached.cancel()
    other = asyncio.ensure_future(second())
    await asyncio.wait({other}, timeout=SETTLE_S)
    gate.opened.set()
    return await _settled(held), await _settled(other)
