"""What a delivery round did, recorded in one transaction under the leases it claimed with
(``core.outbox.claim``): sent, retried with back-off (failed once 48 hours have passed), or given up
for good, with a note to the mentor when a student could not be reached at all. A worker whose lease
ran out can no longer mark anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, tuple_, update

from core import outbox, texts
from core.changes import About, dm
from core.domain import NotificationKind, NotificationStatus, gives_up, retry_delay
from core.outbox import Claimed
from core.schema import UTCDateTime, notifications
from core.tx import Tx

# Discord's error code when the bot shares no server with the user (the ``Unreachable`` error names it).
NO_MUTUAL_SERVER = "50278"


def mark_sent(tx: Tx, leases: list[tuple[int, int]]) -> int:
    """Mark sent the (id, lease token) pairs still held; returns how many were."""
    if not leases:
        return 0
    result = tx.conn.execute(
        _MARK_SENT, {"ids": [lease[0] for lease in leases], "leases": leases, "now": tx.now}
    )
    return result.rowcount


_MARK_SENT = (
    update(notifications)
    .where(
        # The ids alone as well: SQLite then looks the rows up by id, not through every pending row.
        notifications.c.id.in_(bindparam("ids", expanding=True)),
        tuple_(notifications.c.id, notifications.c.lease_token).in_(bindparam("leases", expanding=True)),
        notifications.c.status == NotificationStatus.PENDING.value,
    )
    .values(
        status=NotificationStatus.SENT.value, sent_at=bindparam("now", type_=UTCDateTime()), last_error=None
    )
)


def retry_later(tx: Tx, item: Claimed, error: str) -> bool:
    """Back off after a failure Discord may recover from; fail it once 48 hours have passed.

    Returns True if it will be retried.
    """
    attempts = item.attempts + 1
    if gives_up(item.due_at, tx.now):
        _finish(tx, item, NotificationStatus.FAILED, error, attempts)
        return False
    tx.conn.execute(
        update(notifications)
        .where(notifications.c.id == item.id, notifications.c.lease_token == item.lease_token)
        .values(
            attempts=attempts,
            next_attempt_at=tx.now + retry_delay(attempts),
            last_error=error[:300],
        )
    )
    return True


def fail(
    tx: Tx, item: Claimed, error: str, *, fallback_posted: bool = False, fallback_failed: bool = False
) -> tuple[int, ...]:
    """Give up on a DM that can never be sent (DMs closed); unless the text was posted in the fallback
    channel instead (``fallback_posted``: then it counts as sent there), queue a note to the mentor
    about it. Returns the ids of notifications queued for the mentor.
    """
    status = NotificationStatus.SENT if fallback_posted else NotificationStatus.FAILED
    if not _finish(tx, item, status, error, item.attempts + 1):
        return ()
    if fallback_posted:
        return ()  # the student got it in the fallback channel: nothing to tell the mentor
    if item.kind == NotificationKind.DM_FAILED or item.mentor_user_id is None:
        return ()  # never chase a note about a note
    if item.mentor_user_id == item.recipient_id:
        return ()
    body = texts.dm_failed(
        item.recipient_id,
        item.body,
        fallback_posted,
        no_mutual_server=NO_MUTUAL_SERVER in error,  # Discord 50278; else 50007
        fallback_failed=fallback_failed,
    )
    note = dm(
        About(item.guild_id, item.seat_id),
        NotificationKind.DM_FAILED,
        item.mentor_user_id,
        body,
        subject=f"notification:{item.id}",
    )
    return outbox.queue(tx, [note])


def _finish(tx: Tx, item: Claimed, status: NotificationStatus, error: str, attempts: int) -> bool:
    result = tx.conn.execute(
        update(notifications)
        .where(
            notifications.c.id == item.id,
            notifications.c.lease_token == item.lease_token,
            notifications.c.status == NotificationStatus.PENDING.value,
        )
        .values(
            status=status.value,
            attempts=attempts,
            last_error=error[:300],
            sent_at=tx.now if status == NotificationStatus.SENT else None,
        )
    )
    return result.rowcount == 1


# ---- applying what a delivery round did -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one claimed notification."""

    item: Claimed
    sent: bool = False
    retry_error: str | None = None
    unreachable_error: str | None = None
    fallback_posted: bool = False
    fallback_failed: bool = False
    final_error: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    sent: int
    retried: int
    failed: int
    fallback: int
    follow_up_ids: tuple[int, ...]


def apply_outcomes(tx: Tx, outcomes: list[Outcome]) -> Applied:
    """Record a delivery round in one transaction, each row only under the lease it was claimed with."""
    sent = mark_sent(tx, [(o.item.id, o.item.lease_token) for o in outcomes if o.sent])
    retried = failed = fallback = 0
    follow_ups: list[int] = []
    for outcome in outcomes:
        if outcome.retry_error is not None:
            if retry_later(tx, outcome.item, outcome.retry_error):
                retried += 1
            else:
                failed += 1
        elif outcome.unreachable_error is not None:
            follow_ups += fail(
                tx,
                outcome.item,
                outcome.unreachable_error,
                fallback_posted=outcome.fallback_posted,
                fallback_failed=outcome.fallback_failed,
            )
            if outcome.fallback_posted:
                fallback += 1
            else:
                failed += 1
        elif outcome.final_error is not None:
            _finish(
                tx, outcome.item, NotificationStatus.FAILED, outcome.final_error, outcome.item.attempts + 1
            )
            failed += 1
    return Applied(sent, retried, failed, fallback, tuple(follow_ups))
