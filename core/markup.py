"""Discord markup the texts are written with (mentions, timestamps, plurals) and the texts written
when they are sent (``Deferred``: a DM whose words count time to a deadline, rendered again with the
clock of the moment it goes out). ``core.texts`` re-exports every name here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def timestamp(moment: datetime, style: str = "F") -> str:
    """Discord timestamp markup: F = full date and time, R = relative ("in 3 hours"), f, D, t ..."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when(moment: datetime) -> str:
    return f"{timestamp(moment, 'F')} ({timestamp(moment, 'R')})"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def hours_left(deadline: datetime, now: datetime) -> int:
    """Whole hours until ``deadline``, rounded up so a DM never claims less time than there is, and
    at least 1 (it is only sent while some time is left)."""
    return max(1, math.ceil((deadline - now) / timedelta(hours=1)))


# ---- texts written when they are sent ----------------------------------------------------------------
# A DM whose text counts time to a deadline ("Renew within 72 hours") is queued as a ``Deferred``: the
# name of its text and the values it is made of, kept as JSON in ``notifications.params``. The outbox
# writes it with the clock of each moment it is read (queued, claimed for sending), so a DM that goes
# out late tells the truth. Each such text is registered in ``DEFERRED`` by ``@deferred``; its first
# parameter is ``now``, the others are plain values (int, str, bool, None, datetime).

DEFERRED: dict[str, Callable[..., str]] = {}


def deferred(write: Callable[..., str]) -> Callable[..., str]:
    """Register ``write(now, **params)`` under its name, for ``Deferred`` to call."""
    DEFERRED[write.__name__] = write
    return write


@dataclass(frozen=True, slots=True)
class Deferred:
    """A text to write when it is read: ``DEFERRED[name](now, **params)``."""

    name: str
    params: dict[str, Any]

    def render(self, now: datetime) -> str:
        return DEFERRED[self.name](now, **self.params)

    def to_json(self) -> str:
        values = {k: {"at": v.isoformat()} if isinstance(v, datetime) else v for k, v in self.params.items()}
        return json.dumps({"text": self.name, "params": values}, sort_keys=True)

    @staticmethod
    def from_json(stored: str) -> Deferred:
        data = json.loads(stored)
        params = {
            k: datetime.fromisoformat(v["at"]) if isinstance(v, dict) and set(v) == {"at"} else v
            for k, v in data["params"].items()
        }
        return Deferred(data["text"], params)


def render_stored(params: str | None, body: str, now: datetime) -> str:
    """A notification's text at ``now``: written again from ``params`` when it has them, else ``body``."""
    return body if params is None else Deferred.from_json(params).render(now)
