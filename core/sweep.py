"""The sweep (R11, state part): expire packs (R8), release seats (R9), queue the final warnings (R7),
expiry warnings (R8) and session reminders (R10) that are due. ``next_due`` tells when it next has
something to do, for the wake-up the bot arms.

Every step is a conditional ``UPDATE … WHERE id IN (due rows) … RETURNING``; on PostgreSQL the due
rows are picked ``FOR UPDATE SKIP LOCKED``, so two sweeps at once split the work instead of waiting on
each other, and neither can do a row twice. Every query is driven by an index on (status, deadline),
so a sweep costs what is due, not what is stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, false, func, select, true, update

from core import history, outbox, texts
from core.domain import (
    NotificationKind,
    PackStatus,
    SeatStatus,
    SweepReport,
)
from core.schema import UTCDateTime, mentors, notifications, packs, seats, sessions, sql
from core.tx import AnyRow, Tx

# Rows handled per statement; a sweep after long downtime loops until nothing due is left.
BATCH = 1000


def sweep(tx: Tx) -> SweepReport:
    """One pass: R8 expiry, R9 release, then the R7 / R8 / R10 notifications now due."""
    expired = _expire_packs(tx)
    released, release_ids = _release_seats(tx)
    finals, final_ids = _final_warnings(tx)
    expiry, expiry_ids = _expiry_warnings(tx)
    reminders, reminder_ids = _session_reminders(tx)
    return SweepReport(
        expired_packs=expired,
        released_seats=released,
        final_warnings=finals,
        expiry_warnings=expiry,
        session_reminders=reminders,
        notification_ids=release_ids + final_ids + expiry_ids + reminder_ids,
    )


def _in_batches(tx: Tx, statement_for: Any, until: datetime | None = None) -> list[AnyRow]:
    """Run a claim-and-update statement until it returns less than a full batch.

    ``:now`` is bound to the transaction's instant and ``:until`` to the end of a warning window.
    """
    rows: list[AnyRow] = []
    parameters = {"now": tx.now, "until": until or tx.now}
    while True:
        batch = tx.conn.execute(statement_for(), parameters).all()
        rows.extend(batch)
        if len(batch) < BATCH:
            return rows


def _due(table: Any, *conditions: Any) -> Any:
    return (
        select(table.c.id).where(*conditions).limit(BATCH).with_for_update(skip_locked=True).scalar_subquery()
    )


# Statuses are written as constants, not parameters: the planner matches them against the partial
# indexes (``WHERE status = 'grace'``), which hold only the rows a sweep can find due.
GRACE, ACTIVE, SCHEDULED, PENDING = sql("grace"), sql("active"), sql("scheduled"), sql("pending")

_NOW = bindparam("now", type_=UTCDateTime())
# The end of a warning window (now + its lead), computed in Python: SQLite has no interval arithmetic.
_UNTIL = bindparam("until", type_=UTCDateTime())


def _expire_packs(tx: Tx) -> tuple[int, ...]:
    """R8: an active pack past its end date expires; unbooked sessions are forfeited (kept on record),
    booked ones can still be completed."""
    due = _due(packs, packs.c.status == ACTIVE, packs.c.ends_at <= _NOW)
    rows = _in_batches(
        tx,
        lambda: (
            update(packs)
            # The deadline again, as the other steps repeat their window: with status alone, SQLite
            # walks every active pack (by the status index) to match the ids picked.
            .where(packs.c.id.in_(due), packs.c.status == ACTIVE, packs.c.ends_at <= _NOW)
            .values(
                status=PackStatus.EXPIRED.value,
                sessions_forfeited=packs.c.sessions_forfeited
                + packs.c.sessions_left
                - packs.c.sessions_booked,
                sessions_left=packs.c.sessions_booked,
                closed_at=_NOW,
            )
            .returning(packs.c.id, packs.c.seat_id, packs.c.guild_id, packs.c.sessions_forfeited)
        ),
    )
    if not rows:
        return ()
    per_seat = Counter(row.seat_id for row in rows)
    tx.conn.execute(
        update(seats)
        .where(seats.c.id == bindparam("seat"))
        .values(active_packs=seats.c.active_packs - bindparam("expired")),
        [{"seat": seat, "expired": count} for seat, count in sorted(per_seat.items())],
    )
    history.record_many(
        tx,
        [
            history.entry(
                guild_id=row.guild_id,
                actor_id=None,
                action="pack_expired",
                seat_id=row.seat_id,
                pack_id=row.id,
                forfeited=row.sessions_forfeited,
            )
            for row in rows
        ],
    )
    return tuple(row.id for row in rows)


_NO_BOOKED_SESSION = ~exists().where(sessions.c.seat_id == seats.c.id, sessions.c.status == SCHEDULED)


_FREE_SEATS = (
    update(mentors)
    .where(mentors.c.id == bindparam("mentor"))
    .values(seats_held=mentors.c.seats_held - bindparam("freed"))
)


def _release_seats(tx: Tx) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """R9: release a seat whose grace has ended, or that holds no active pack and is not in grace —
    only once it has no booked session left. Frees the mentor's capacity; tells student and mentor."""
    grace_over = (
        seats.c.status == GRACE,
        seats.c.grace_ends_at <= _NOW,
        _NO_BOOKED_SESSION,
    )
    all_expired = (seats.c.status == ACTIVE, seats.c.active_packs == 0, _NO_BOOKED_SESSION)
    rows: list[AnyRow] = []
    for conditions in (grace_over, all_expired):
        due = _due(seats, *conditions)
        rows += _in_batches(
            tx,
            lambda due=due, conditions=conditions: (
                update(seats)
                .where(seats.c.id.in_(due), *conditions)
                .values(status=SeatStatus.RELEASED.value, released_at=_NOW, final_warning_queued=False)
                .returning(seats.c.id, seats.c.guild_id, seats.c.mentor_id, seats.c.student_id)
            ),
        )
    if not rows:
        return (), ()
    # Two statements for all the mentors, not one per mentor: the freeing (in id order), then a read
    # of what it left (rows this transaction now holds, so nobody else has changed them since).
    freed = sorted(Counter(row.mentor_id for row in rows).items())
    tx.conn.execute(_FREE_SEATS, [{"mentor": mentor_id, "freed": count} for mentor_id, count in freed])
    mentor_after: dict[int, AnyRow] = {
        row.id: row
        for row in tx.conn.execute(
            select(mentors.c.id, mentors.c.user_id, mentors.c.seats_held, mentors.c.capacity).where(
                mentors.c.id.in_([mentor_id for mentor_id, _count in freed])
            )
        )
    }
    owed: list[outbox.Owed] = []
    for row in rows:
        mentor = mentor_after[row.mentor_id]
        owed.append(
            outbox.Owed(
                guild_id=row.guild_id,
                kind=NotificationKind.SEAT_RELEASED,
                key=outbox.key(NotificationKind.SEAT_RELEASED, "seat", row.id),
                recipient_id=row.student_id,
                body=texts.seat_released(mentor.user_id),
                mentor_user_id=mentor.user_id,
                seat_id=row.id,
            )
        )
        owed.append(
            outbox.Owed(
                guild_id=row.guild_id,
                kind=NotificationKind.SEAT_RELEASED_MENTOR,
                key=outbox.key(NotificationKind.SEAT_RELEASED_MENTOR, "seat", row.id),
                recipient_id=mentor.user_id,
                body=texts.seat_released_mentor(row.student_id, mentor.seats_held, mentor.capacity),
                seat_id=row.id,
            )
        )
    ids = outbox.queue(tx, owed)
    history.record_many(
        tx,
        [
            history.entry(guild_id=row.guild_id, actor_id=None, action="seat_released", seat_id=row.id)
            for row in rows
        ],
    )
    return tuple(row.id for row in rows), ids


def _people_of_seats(tx: Tx, seat_ids: set[int]) -> dict[int, AnyRow]:
    """Each seat's ``student_id`` and its mentor's ``user_id``, by seat id."""
    if not seat_ids:
        return {}
    rows = tx.conn.execute(
        select(seats.c.id, seats.c.student_id, mentors.c.user_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.id.in_(seat_ids))
    )
    return {row.id: row for row in rows}


def _final_warnings(tx: Tx) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """R7: once ``now >= grace_ends_at - FINAL_WARNING_HOURS`` and the seat is still in grace, warn the
    student, at most once per grace period. A grace that already ended (downtime) gets no warning."""
    lead = tx.policy.final_warning_lead
    if not lead:
        return (), ()
    window = (
        seats.c.status == GRACE,
        seats.c.grace_ends_at <= _UNTIL,
        seats.c.final_warning_queued == false(),
    )
    due = _due(seats, *window)
    rows = _in_batches(
        tx,
        lambda: (
            update(seats)
            .where(seats.c.id.in_(due), *window)
            .values(final_warning_queued=True)
            .returning(
                seats.c.id,
                seats.c.guild_id,
                seats.c.student_id,
                seats.c.grace_ends_at,
                seats.c.grace_period,
            )
        ),
        until=tx.now + lead,
    )
    rows = [row for row in rows if row.grace_ends_at > tx.now]
    people = _people_of_seats(tx, {row.id for row in rows})
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=row.guild_id,
                kind=NotificationKind.FINAL_WARNING,
                key=outbox.key(NotificationKind.FINAL_WARNING, "seat", row.id, row.grace_period),
                recipient_id=row.student_id,
                body=texts.final_warning(tx.policy, people[row.id].user_id, row.grace_ends_at),
                mentor_user_id=people[row.id].user_id,
                seat_id=row.id,
                seat_period=row.grace_period,
            )
            for row in rows
        ],
    )
    return tuple(row.id for row in rows), ids


def _expiry_warnings(tx: Tx) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """R8: warn the student ``EXPIRY_WARNING_DAYS`` before a pack with unbooked sessions expires."""
    lead = tx.policy.expiry_warning_lead
    if not lead:
        return (), ()
    window = (
        packs.c.status == ACTIVE,
        packs.c.expiry_warned == false(),
        packs.c.ends_at <= _UNTIL,
    )
    due = _due(packs, *window)
    rows = _in_batches(
        tx,
        lambda: (
            update(packs)
            .where(packs.c.id.in_(due), *window)
            .values(expiry_warned=True)
            .returning(
                packs.c.id,
                packs.c.seat_id,
                packs.c.guild_id,
                packs.c.sessions_left,
                packs.c.sessions_booked,
                packs.c.ends_at,
            )
        ),
        until=tx.now + lead,
    )
    rows = [row for row in rows if row.sessions_left > row.sessions_booked and row.ends_at > tx.now]
    if not rows:
        return (), ()
    people = _people_of_seats(tx, {row.seat_id for row in rows})
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=row.guild_id,
                kind=NotificationKind.EXPIRY_WARNING,
                key=outbox.key(NotificationKind.EXPIRY_WARNING, "pack", row.id),
                recipient_id=people[row.seat_id].student_id,
                body=texts.expiry_warning(
                    people[row.seat_id].user_id, row.sessions_left, row.sessions_booked, row.ends_at
                ),
                mentor_user_id=people[row.seat_id].user_id,
                seat_id=row.seat_id,
                pack_id=row.id,
            )
            for row in rows
        ],
    )
    return tuple(row.id for row in rows), ids


def _session_reminders(tx: Tx) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """R10: remind the student ``SESSION_REMINDER_HOURS`` before a booked session."""
    lead = tx.policy.session_reminder_lead
    if not lead:
        return (), ()
    window = (
        sessions.c.status == SCHEDULED,
        sessions.c.reminder_queued == false(),
        sessions.c.starts_at <= _UNTIL,
    )
    due = _due(sessions, *window)
    rows = _in_batches(
        tx,
        lambda: (
            update(sessions)
            .where(sessions.c.id.in_(due), *window)
            .values(reminder_queued=True)
            .returning(
                sessions.c.id,
                sessions.c.seat_id,
                sessions.c.pack_id,
                sessions.c.guild_id,
                sessions.c.starts_at,
                sessions.c.minutes,
            )
        ),
        until=tx.now + lead,
    )
    rows = [row for row in rows if row.starts_at > tx.now]
    if not rows:
        return (), ()
    people = _people_of_seats(tx, {row.seat_id for row in rows})
    ids = outbox.queue(
        tx,
        [
            outbox.Owed(
                guild_id=row.guild_id,
                kind=NotificationKind.SESSION_REMINDER,
                key=outbox.key(NotificationKind.SESSION_REMINDER, "session", row.id),
                recipient_id=people[row.seat_id].student_id,
                body=texts.session_reminder(people[row.seat_id].user_id, row.starts_at, row.minutes),
                mentor_user_id=people[row.seat_id].user_id,
                seat_id=row.seat_id,
                pack_id=row.pack_id,
                session_id=row.id,
            )
            for row in rows
        ],
    )
    return tuple(row.id for row in rows), ids


# ---- when is the sweep next needed ----------------------------------------------------------------


def _earliest(column: Any, *conditions: Any) -> Any:
    return select(func.min(column)).where(*conditions).scalar_subquery()


_NEXT_DUE = select(
    _earliest(packs.c.ends_at, packs.c.status == ACTIVE).label("expiry"),
    _earliest(packs.c.ends_at, packs.c.status == ACTIVE, packs.c.expiry_warned == false()).label(
        "expiry_warning_base"
    ),
    _earliest(seats.c.grace_ends_at, seats.c.status == GRACE, _NO_BOOKED_SESSION).label("grace_end"),
    _earliest(
        seats.c.grace_ends_at,
        seats.c.status == GRACE,
        seats.c.final_warning_queued == false(),
    ).label("final_warning_base"),
    _earliest(
        sessions.c.starts_at,
        sessions.c.status == SCHEDULED,
        sessions.c.reminder_queued == false(),
    ).label("reminder_base"),
    select(true())
    .where(seats.c.status == ACTIVE, seats.c.active_packs == 0, _NO_BOOKED_SESSION)
    .limit(1)
    .scalar_subquery()
    .label("release_now"),
)


def next_due(tx: Tx) -> datetime | None:
    """The earliest moment the sweep will have something to do (a warning, a grace end, an expiry, a
    session reminder), or None when nothing is pending. It may be in the past: then it is due now."""
    row = tx.conn.execute(_NEXT_DUE).one()
    policy = tx.policy
    moments: list[datetime] = []
    if row.expiry is not None:
        moments.append(row.expiry)
    if row.expiry_warning_base is not None and policy.expiry_warning_days:
        moments.append(row.expiry_warning_base - policy.expiry_warning_lead)
    if row.grace_end is not None:
        moments.append(row.grace_end)
    if row.final_warning_base is not None and policy.final_warning_hours:
        moments.append(row.final_warning_base - policy.final_warning_lead)
    if row.reminder_base is not None and policy.session_reminder_hours:
        moments.append(row.reminder_base - policy.session_reminder_lead)
    if row.release_now:
        moments.append(tx.now)
    return min(moments, default=None)


def pending_notifications(tx: Tx) -> int:
    """How many notifications are still owed (for operators and tests)."""
    count: int = tx.conn.execute(
        select(func.count()).select_from(notifications).where(notifications.c.status == PENDING)
    ).scalar_one()
    return count
