"""What a change leaves besides its own rows: the DMs it owes, queued in the outbox in its transaction
(R12), and the history entry that records who did what (R13).

A change names what it is about once (``About``: the server, and the seat, pack and session as far
as it goes down); ``dm`` builds each DM owed about it, its once-only key derived from the kind and
the most specific of those ids (``<kind>:session:<id>``, ``<kind>:pack:<id>``, ``<kind>:seat:<id>``
with ``:<period>`` for a seat's grace period), and ``record`` queues them and records the entry. A
key other than that (a purchase's, a seat move's, a note about a notification) is named with
``subject``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core import history, outbox
from core.domain import NotificationKind
from core.texts import Deferred
from core.tx import Tx


@dataclass(frozen=True, slots=True)
class About:
    """What a change (or a DM) is about: its server and, as far as it goes down, seat, pack, session."""

    guild_id: int
    seat_id: int | None = None
    pack_id: int | None = None
    session_id: int | None = None

    @property
    def subject(self) -> str:
        """The most specific thing it is about, as a DM's key names it."""
        for name, subject_id in (
            ("session", self.session_id),
            ("pack", self.pack_id),
            ("seat", self.seat_id),
        ):
            if subject_id is not None:
                return f"{name}:{subject_id}"
        raise ValueError("a DM about no seat, pack or session needs a subject")

    def entry(self, action: str, *, actor_id: int | None, **detail: Any) -> dict[str, Any]:
        """The history row of ``action`` on this (``actor_id`` None: the bot itself did it)."""
        return history.entry(
            guild_id=self.guild_id,
            actor_id=actor_id,
            action=action,
            seat_id=self.seat_id,
            pack_id=self.pack_id,
            session_id=self.session_id,
            **detail,
        )


def dm(
    about: About,
    kind: NotificationKind,
    to: int,
    body: str | Deferred,
    *,
    mentor: int | None = None,
    period: int | None = None,
    subject: str | None = None,
) -> outbox.Owed:
    """The DM ``kind`` owed to ``to`` about ``about``, saying ``body`` (a ``core.texts.Deferred`` when
    the text counts time to a deadline: it is written again when sent). ``mentor``: the seat's mentor,
    when the DM is to the student (delivery tells them if it cannot be sent); ``period``: the seat's
    grace period it belongs to; ``subject``: what its key names, when not ``about``'s own ids."""
    suffix = "" if period is None else f":{period}"
    return outbox.Owed(
        guild_id=about.guild_id,
        kind=kind,
        key=f"{kind.value}:{subject or about.subject}{suffix}",
        recipient_id=to,
        body=body,
        mentor_user_id=mentor,
        seat_id=about.seat_id,
        pack_id=about.pack_id,
        session_id=about.session_id,
        seat_period=period,
    )


def record(
    tx: Tx,
    about: About,
    action: str,
    *,
    actor_id: int | None,
    owed: Sequence[outbox.Owed] = (),
    **detail: Any,
) -> tuple[int, ...]:
    """Queue the DMs a change owes (``owed``, in that order) and record it in history as ``action`` on
    ``about``, with ``detail``; the ids of the DMs newly queued (one owed before is not queued again)."""
    ids = outbox.queue(tx, list(owed))
    history.record_many(tx, [about.entry(action, actor_id=actor_id, **detail)])
    return ids


def record_many(
    tx: Tx, entries: Sequence[dict[str, Any]], *, owed: Sequence[outbox.Owed] = ()
) -> tuple[int, ...]:
    """``record`` for many changes at once (a sweep's): the DMs in one insert, the entries in another."""
    ids = outbox.queue(tx, list(owed))
    history.record_many(tx, list(entries))
    return ids
