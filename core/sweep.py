"""The sweep (R11, state part): expire packs (R8), release seats (R9) and offer them to the waitlist,
let offers whose hold ran out lapse (R19), queue the final warnings (R7),
expiry warnings (R8) and session reminders (R10) that are due. ``next_due`` tells when it next has
something to do, for the wake-up the bot arms (its home is ``core.due``).

Every step is a conditional ``UPDATE … WHERE id IN (due rows) … RETURNING``; on PostgreSQL the due
rows are picked ``FOR UPDATE SKIP LOCKED``, so two sweeps at once split the work instead of waiting on
each other, and neither can do a row twice. Every query is driven by an index on (status, deadline),
so a sweep costs what is due, not what is stored. The warnings are one table-driven step over
``core.rules.WARNINGS``: each row stores the moment its warning falls due, so the statements need no
policy numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from core import changes, outbox, rules, texts, waitlist
from core.changes import About, dm
from core.domain import NotificationKind, PackStatus, SeatStatus, WaitlistStatus
from core.due import due as due_ids
from core.due import (
    due_packs,
    in_batches,
)
from core.due import (
    next_due as next_due,  # read as core.sweep.next_due too
)
from core.outbox import pending_notifications as pending_notifications  # its home was here
from core.schema import mentors, packs, seats, sessions
from core.sessions.telling import session_dm
from core.tx import AnyRow, Tx


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep pass did (R11), as lists of ids."""

    expired_packs: tuple[int, ...] = ()
    released_seats: tuple[int, ...] = ()
    final_warnings: tuple[int, ...] = ()
    expiry_warnings: tuple[int, ...] = ()
    session_reminders: tuple[int, ...] = ()
    notification_ids: tuple[int, ...] = ()
    # R19: offered seats whose hold ran out, and seats offered to the next in line.
    lapsed_offers: tuple[int, ...] = ()
    offered_seats: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.expired_packs
            or self.released_seats
            or self.notification_ids
            or self.lapsed_offers
            or self.offered_seats
        )


def sweep(tx: Tx) -> SweepReport:
    """One pass: R8 expiry, R9 release, then the R7 / R8 / R10 warnings now due."""
    expired = _expire_packs(tx)
    released, release_ids, offered = _release_seats(tx)
    lapsed, offers = _lapse_offers(tx)
    warned, warning_ids = _warnings(tx)
    return SweepReport(
        lapsed_offers=lapsed,
        offered_seats=offered + offers.seat_ids,
        expired_packs=expired,
        released_seats=released,
        final_warnings=warned[NotificationKind.FINAL_WARNING],
        expiry_warnings=warned[NotificationKind.EXPIRY_WARNING],
        session_reminders=warned[NotificationKind.SESSION_REMINDER],
        notification_ids=release_ids + offers.notification_ids + warning_ids,
    )


ACTIVE, _NOW = rules.ACTIVE, rules.NOW


def _expire_packs(tx: Tx) -> tuple[int, ...]:
    """R8: an active pack past its end date expires; unbooked sessions are forfeited (kept on record),
    booked ones can still be completed."""
    due = due_packs(packs.c.status == ACTIVE, packs.c.ends_at <= _NOW)
    rows = in_batches(
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
    changes.record_many(
        tx,
        [
            About(row.guild_id, row.seat_id, row.id).entry(
                "pack_expired", actor_id=None, forfeited=row.sessions_forfeited
            )
            for row in rows
        ],
    )
    return tuple(row.id for row in rows)


_FREE_SEATS = (
    update(mentors)
    .where(mentors.c.id == bindparam("mentor"))
    .values(seats_held=mentors.c.seats_held - bindparam("freed"))
)


def _release_seats(tx: Tx) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """R9: release a seat whose grace has ended, or that holds no active pack and is not in grace —
    only once it has no booked session left. Frees the mentor's capacity; tells student and mentor;
    offers the freed seats to the mentors' waitlists (R19). Returns the seats released, the
    notifications queued and the seats offered."""
    rows: list[AnyRow] = []
    why: dict[int, str] = {}
    for conditions, reason in zip(rules.RELEASABLE, (texts.GRACE_ENDED, texts.PACK_EXPIRED), strict=True):
        due = due_ids(seats, *conditions)
        released = in_batches(
            tx,
            lambda due=due, conditions=conditions: (
                update(seats)
                .where(seats.c.id.in_(due), *conditions)
                .values(status=SeatStatus.RELEASED.value, released_at=_NOW, final_warning_queued=False)
                .returning(seats.c.id, seats.c.guild_id, seats.c.mentor_id, seats.c.student_id)
            ),
        )
        rows += released
        why.update(dict.fromkeys((row.id for row in released), reason))
    if not rows:
        return (), (), ()
    ran_out = [seat_id for seat_id, reason in why.items() if reason == texts.PACK_EXPIRED]
    expired = _last_expired_packs(tx, ran_out) if ran_out else {}
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
        mentor, seat = mentor_after[row.mentor_id], About(row.guild_id, row.id)
        # Why (SPEC Notifications): the grace ended, or the last pack expired with its unused sessions.
        pack = expired.get(row.id)
        because = (why[row.id], *((pack.sessions_forfeited, pack.ends_at) if pack is not None else ()))
        owed += [
            dm(
                seat,
                NotificationKind.SEAT_RELEASED,
                row.student_id,
                texts.seat_released(mentor.user_id, *because),
                mentor=mentor.user_id,
            ),
            dm(
                seat,
                NotificationKind.SEAT_RELEASED_MENTOR,
                mentor.user_id,
                texts.seat_released_mentor(row.student_id, mentor.seats_held, mentor.capacity, *because),
            ),
        ]
    ids = changes.record_many(
        tx,
        [
            About(row.guild_id, row.id).entry("seat_released", actor_id=None, reason=why[row.id])
            for row in rows
        ],
        owed=owed,
    )
    # R19: each freed seat goes to the first in its mentor's line.
    offers = waitlist.offer_seats_freed_of(tx, ((row.guild_id, row.mentor_id) for row in rows))
    return tuple(row.id for row in rows), ids + offers.notification_ids, offers.seat_ids


def _last_expired_packs(tx: Tx, seat_ids: list[int]) -> dict[int, AnyRow]:
    """The pack of each seat that expired last (its end date and unused sessions), by seat id."""
    rows = tx.conn.execute(
        select(packs.c.seat_id, packs.c.ends_at, packs.c.sessions_forfeited)
        .where(packs.c.seat_id.in_(seat_ids), packs.c.status == PackStatus.EXPIRED.value)
        .order_by(packs.c.seat_id, packs.c.ends_at, packs.c.id)
    )
    return {row.seat_id: row for row in rows}  # each seat's latest comes last


def _lapse_offers(tx: Tx) -> tuple[tuple[int, ...], waitlist.Offers]:
    """R19: an offered seat whose hold ran out is released and offered to the next in line."""
    due = due_ids(seats, *rules.OFFER_LAPSED)
    rows = in_batches(
        tx,
        lambda: (
            update(seats)
            .where(seats.c.id.in_(due), *rules.OFFER_LAPSED)
            .values(status=SeatStatus.RELEASED.value, released_at=_NOW)
            .returning(seats.c.id, seats.c.guild_id, seats.c.mentor_id)
        ),
    )
    if not rows:
        return (), waitlist.Offers()
    changes.record_many(
        tx, [About(row.guild_id, row.id).entry("waitlist_offer_lapsed", actor_id=None) for row in rows]
    )
    return tuple(row.id for row in rows), waitlist.free_offered_seats(tx, rows, WaitlistStatus.LAPSED)


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


@dataclass(frozen=True, slots=True)
class _WarningStep:
    """How the sweep queues one of ``rules.WARNINGS``: what its claim returns, the seat each row is
    on, and the notification it owes."""

    warning: rules.Warning
    returning: tuple[Any, ...]
    seat_of: Callable[[AnyRow], int]
    owed: Callable[[Tx, AnyRow, AnyRow], list[outbox.Owed]]


def _final_warning(tx: Tx, row: AnyRow, people: AnyRow) -> list[outbox.Owed]:
    # The true hours left: after downtime the warning may go out late.
    body = texts.final_warning(people.user_id, row.grace_ends_at)  # its hours counted when it is sent
    seat = About(row.guild_id, row.id)
    return [
        dm(
            seat,
            NotificationKind.FINAL_WARNING,
            people.student_id,
            body,
            mentor=people.user_id,
            period=row.grace_period,
        )
    ]


def _expiry_warning(tx: Tx, row: AnyRow, people: AnyRow) -> list[outbox.Owed]:
    body = texts.expiry_warning(people.user_id, row.sessions_left, row.sessions_booked, row.ends_at)
    # R8: once per end date (its key names it), so a pack extended since is warned anew.
    ends, pack = (
        f"pack:{row.id}:ends:{int(row.ends_at.timestamp())}",
        About(row.guild_id, row.seat_id, row.id),
    )
    return [
        dm(
            pack,
            NotificationKind.EXPIRY_WARNING,
            people.student_id,
            body,
            mentor=people.user_id,
            subject=ends,
        )
    ]


def _session_reminder(tx: Tx, row: AnyRow, people: AnyRow) -> list[outbox.Owed]:
    """R10, R21: the student's and the mentor's reminder, of the session's time at its ``sequence``."""
    session = About(row.guild_id, row.seat_id, row.pack_id, row.id)
    return [
        session_dm(
            session,
            NotificationKind.SESSION_REMINDER,
            people.student_id,
            texts.session_reminder(people.user_id, row.starts_at, row.minutes),
            sequence=row.sequence,
            mentor=people.user_id,
        ),
        session_dm(
            session,
            NotificationKind.SESSION_REMINDER_MENTOR,
            people.user_id,
            texts.session_reminder_mentor(people.student_id, row.starts_at, row.minutes),
            sequence=row.sequence,
        ),
    ]


_WARNING_STEPS = (
    _WarningStep(
        rules.FINAL_WARNING,
        (seats.c.id, seats.c.guild_id, seats.c.grace_ends_at, seats.c.grace_period),
        lambda row: int(row.id),
        _final_warning,
    ),
    _WarningStep(
        rules.EXPIRY_WARNING,
        (
            packs.c.id,
            packs.c.seat_id,
            packs.c.guild_id,
            packs.c.sessions_left,
            packs.c.sessions_booked,
            packs.c.ends_at,
        ),
        lambda row: int(row.seat_id),
        _expiry_warning,
    ),
    _WarningStep(
        rules.SESSION_REMINDER,
        (
            sessions.c.id,
            sessions.c.seat_id,
            sessions.c.pack_id,
            sessions.c.guild_id,
            sessions.c.starts_at,
            sessions.c.minutes,
            sessions.c.sequence,
        ),
        lambda row: int(row.seat_id),
        _session_reminder,
    ),
)


def _claim_warning(step: _WarningStep) -> Any:
    warning = step.warning
    table = warning.table
    # The flag is set by this statement only, on exactly the rows whose warning it queues.
    return (
        update(table)
        .where(table.c.id.in_(due_ids(table, *warning.due)), *warning.due)
        .values({warning.queued.key: True})
        .returning(*step.returning)
    )


_CLAIM_WARNING = {step.warning.kind: _claim_warning(step) for step in _WARNING_STEPS}


def _warnings(tx: Tx) -> tuple[dict[NotificationKind, tuple[int, ...]], tuple[int, ...]]:
    """R7, R8, R10: queue every warning now due, each once; returns the row ids per kind, and the
    notification ids."""
    claimed = [
        (step, in_batches(tx, lambda step=step: _CLAIM_WARNING[step.warning.kind])) for step in _WARNING_STEPS
    ]
    people = _people_of_seats(tx, {step.seat_of(row) for step, rows in claimed for row in rows})
    owed = [
        item
        for step, rows in claimed
        for row in rows
        for item in step.owed(tx, row, people[step.seat_of(row)])
    ]
    ids = outbox.queue(tx, owed)
    return {step.warning.kind: tuple(row.id for row in rows) for step, rows in claimed}, ids
