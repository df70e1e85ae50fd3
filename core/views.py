"""Read models: what ``/mysessions``, ``/roster``, ``/seats``, ``/student``, ``/export``, ``/report``
and the session autocomplete show, with the checks of who may see them.

Plain queries in one read transaction, returning the frozen views of ``core.domain``. A handful of
statements per view, whatever the number of seats (no query per row).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, func, select

from core.domain import Actor, PackStatus, SeatStatus, SessionStatus, require_admin
from core.errors import InvalidInput, NotAllowed, NotFound
from core.schema import (
    IN_LINE,
    history,
    mentors,
    packs,
    seats,
    sessions,
    waitlist,
)
from core.seats.results import MentorSeats as MentorSeats
from core.seats.results import PackView, SeatView
from core.seats.views import RECENT_PACKS as RECENT_PACKS
from core.seats.views import my_seats as my_seats
from core.seats.views import roster as roster
from core.seats.views import roster_of as roster_of
from core.seats.views import seat_board as seat_board
from core.sessions.choices import MAX_CHOICES as MAX_CHOICES
from core.sessions.choices import session_choices as session_choices
from core.texts import mention
from core.tx import AnyRow, Tx

MIN_REPORT_DAYS, MAX_REPORT_DAYS = 1, 366


# ---- /mysessions: what happened lately --------------------------------------------------------------


class ReleaseReason(StrEnum):
    GRACE_ENDED = "grace_ended"  # the grace ran out without a renewal
    EXPIRED = "expired"  # every pack passed its end date
    REFUNDED = "refunded"  # a pack was revoked (R16)


@dataclass(frozen=True, slots=True)
class ClosedSeat:
    """A seat released lately, why, and how its server takes a renewal."""

    seat_id: int
    guild_id: int
    mentor_user_id: int
    mentor_name: str
    released_at: datetime
    reason: ReleaseReason
    forfeited: int  # sessions lost to expiry or the refund
    renew_url: str | None
    renewal_sku_id: int | None


@dataclass(frozen=True, slots=True)
class LinePlace:
    """A student's place in a mentor's waitlist (R19): ``position`` 1 is next; ``offered_until``: a
    seat is held for them until then."""

    guild_id: int
    mentor_user_id: int
    mentor_name: str
    position: int
    offered_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class MySessions:
    seats: tuple[SeatView, ...]
    closed: tuple[ClosedSeat, ...] = ()
    places: tuple[LinePlace, ...] = ()


def _line_places(tx: Tx, user_id: int, guild_id: int | None) -> tuple[LinePlace, ...]:
    """The user's places in line, with how many are ahead in each (one statement)."""
    ahead = waitlist.alias("ahead")
    position = (
        select(func.count())
        .where(
            ahead.c.mentor_id == waitlist.c.mentor_id,
            ahead.c.id <= waitlist.c.id,
            ahead.c.status == "waiting",
        )
        .scalar_subquery()
    )
    query = (
        select(
            waitlist.c.guild_id,
            waitlist.c.status,
            mentors.c.user_id,
            mentors.c.display_name,
            seats.c.offer_ends_at,
            position.label("position"),
        )
        .join(mentors, mentors.c.id == waitlist.c.mentor_id)
        .outerjoin(seats, seats.c.id == waitlist.c.seat_id)
        .where(waitlist.c.student_id == user_id, IN_LINE)
        .order_by(waitlist.c.guild_id, waitlist.c.id)
    )
    if guild_id is not None:
        query = query.where(waitlist.c.guild_id == guild_id)
    return tuple(
        LinePlace(
            guild_id=row.guild_id,
            mentor_user_id=row.user_id,
            mentor_name=row.display_name,
            position=int(row.position) if row.status == "waiting" else 0,
            offered_until=row.offer_ends_at if row.status == "offered" else None,
        )
        for row in tx.conn.execute(query)
    )


def _release_reason(seat: AnyRow, pack_statuses: set[str]) -> ReleaseReason:
    if PackStatus.REVOKED.value in pack_statuses:
        return ReleaseReason.REFUNDED
    if seat.grace_ends_at is not None and seat.released_at >= seat.grace_ends_at:
        return ReleaseReason.GRACE_ENDED
    return ReleaseReason.EXPIRED


def my_sessions(tx: Tx, *, user_id: int, guild_id: int | None = None) -> MySessions:
    """``/mysessions``: the live seats (``my_seats``) and the seats released in the last 30 days,
    each with why (grace ended, packs expired, a refund) and the server's way to renew."""
    live = my_seats(tx, user_id=user_id, guild_id=guild_id)
    query = (
        select(
            seats.c.id,
            seats.c.guild_id,
            seats.c.grace_ends_at,
            seats.c.released_at,
            mentors.c.user_id.label("mentor_user_id"),
            mentors.c.display_name.label("mentor_name"),
        )
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(
            seats.c.student_id == user_id,
            seats.c.status == SeatStatus.RELEASED.value,
            seats.c.released_at >= tx.now - RECENT_PACKS,
        )
        .order_by(seats.c.released_at.desc(), seats.c.id)
    )
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    rows = list(tx.conn.execute(query))
    statuses: dict[int, set[str]] = defaultdict(set)
    forfeited: dict[int, int] = defaultdict(int)
    if rows:
        for pack in tx.conn.execute(
            select(packs.c.seat_id, packs.c.status, packs.c.sessions_forfeited).where(
                packs.c.seat_id.in_([row.id for row in rows])
            )
        ):
            statuses[pack.seat_id].add(pack.status)
            forfeited[pack.seat_id] += pack.sessions_forfeited
    closed = []
    for row in rows:
        policy = tx.policy_for(row.guild_id)
        closed.append(
            ClosedSeat(
                seat_id=row.id,
                guild_id=row.guild_id,
                mentor_user_id=row.mentor_user_id,
                mentor_name=row.mentor_name,
                released_at=row.released_at,
                reason=_release_reason(row, statuses[row.id]),
                forfeited=forfeited[row.id],
                renew_url=policy.renew_url,
                renewal_sku_id=policy.renewal_sku_id,
            )
        )
    return MySessions(seats=tuple(live), closed=tuple(closed), places=_line_places(tx, user_id, guild_id))


# ---- /student: everything about one student -------------------------------------------------------

TIMELINE_LENGTH = 15  # the last changes /student shows


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A session of any status, as /student and the export show it."""

    session_id: int
    seat_id: int
    pack_id: int
    status: SessionStatus
    starts_at: datetime
    minutes: int
    number: int | None
    completed_at: datetime | None
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class StudentSeat:
    seat_id: int
    mentor_user_id: int
    mentor_name: str
    status: SeatStatus
    grace_ends_at: datetime | None
    created_at: datetime
    released_at: datetime | None
    packs: tuple[PackView, ...] = ()
    sessions: tuple[SessionRecord, ...] = ()

    @property
    def sessions_left(self) -> int:
        return sum(pack.left for pack in self.packs if pack.status == PackStatus.ACTIVE)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change from history (R13): when, who (None: the bot itself), what, on what."""

    at: datetime
    actor_id: int | None
    action: str
    seat_id: int | None
    pack_id: int | None
    session_id: int | None
    detail: dict[str, Any]
    actor_name: str = ""  # when the actor is someone the program knows by name (a mentor, the student)


@dataclass(frozen=True, slots=True)
class StudentFile:
    student_user_id: int
    student_name: str
    seats: tuple[StudentSeat, ...]
    timeline: tuple[TimelineEntry, ...]


def _detail(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"note": text}
    return value if isinstance(value, dict) else {"note": value}


def student_file(
    tx: Tx, *, guild_id: int, actor: Actor, student_user_id: int, timeline_length: int = TIMELINE_LENGTH
) -> StudentFile:
    """``/student``: the student's seats here (released ones too), every pack and session on them,
    and the last changes to them. An admin sees all; a mentor only their own seats with the student."""
    query = (
        select(
            seats.c.id,
            seats.c.student_name,
            seats.c.status,
            seats.c.grace_ends_at,
            seats.c.created_at,
            seats.c.released_at,
            mentors.c.user_id.label("mentor_user_id"),
            mentors.c.display_name.label("mentor_name"),
        )
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(seats.c.guild_id == guild_id, seats.c.student_id == student_user_id)
        .order_by(seats.c.id)
    )
    if not actor.is_admin:
        query = query.where(mentors.c.user_id == actor.user_id)
    seat_rows = list(tx.conn.execute(query))
    if not seat_rows:
        if actor.is_admin:
            raise NotFound(
                f"{mention(student_user_id)} has never held a seat here; grant them a pack with /pack grant."
            )
        raise NotAllowed(
            f"Only {mention(student_user_id)}'s mentor or an admin can see their file, and they have no seat with you."
        )
    ids = [row.id for row in seat_rows]
    pack_map: dict[int, list[PackView]] = defaultdict(list)
    for row in tx.conn.execute(
        select(packs).where(packs.c.seat_id.in_(ids)).order_by(packs.c.granted_at, packs.c.id)
    ):
        pack_map[row.seat_id].append(_pack_view(row))
    session_map: dict[int, list[SessionRecord]] = defaultdict(list)
    for row in tx.conn.execute(
        select(sessions).where(sessions.c.seat_id.in_(ids)).order_by(sessions.c.starts_at, sessions.c.id)
    ):
        session_map[row.seat_id].append(_session_record(row))
    history_rows = list(
        tx.conn.execute(
            select(history)
            .where(history.c.guild_id == guild_id, history.c.seat_id.in_(ids))
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(timeline_length)
        )
    )
    # Name who acted where the program knows them: the student, or a mentor of this server (an admin
    # stays a mention, which Discord shows by name to whoever has them loaded).
    actors = {row.actor_id for row in history_rows if row.actor_id is not None}
    names = {student_user_id: next((row.student_name for row in seat_rows if row.student_name), "")}
    if actors:
        names |= {
            row.user_id: row.display_name
            for row in tx.conn.execute(
                select(mentors.c.user_id, mentors.c.display_name).where(
                    mentors.c.guild_id == guild_id, mentors.c.user_id.in_(actors)
                )
            )
        }
    timeline = [
        TimelineEntry(
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            seat_id=row.seat_id,
            pack_id=row.pack_id,
            session_id=row.session_id,
            detail=_detail(row.detail),
            actor_name=names.get(row.actor_id, "") if row.actor_id is not None else "",
        )
        for row in history_rows
    ]
    return StudentFile(
        student_user_id=student_user_id,
        student_name=next((row.student_name for row in reversed(seat_rows) if row.student_name), ""),
        seats=tuple(
            StudentSeat(
                seat_id=row.id,
                mentor_user_id=row.mentor_user_id,
                mentor_name=row.mentor_name,
                status=SeatStatus(row.status),
                grace_ends_at=row.grace_ends_at,
                created_at=row.created_at,
                released_at=row.released_at,
                packs=tuple(pack_map[row.id]),
                sessions=tuple(session_map[row.id]),
            )
            for row in seat_rows
        ),
        timeline=tuple(timeline),
    )


def _pack_view(row: AnyRow) -> PackView:
    return PackView(
        pack_id=row.id,
        total=row.sessions_total,
        left=row.sessions_left,
        booked=row.sessions_booked,
        forfeited=row.sessions_forfeited,
        status=PackStatus(row.status),
        granted_at=row.granted_at,
        ends_at=row.ends_at,
    )


def _session_record(row: AnyRow) -> SessionRecord:
    return SessionRecord(
        session_id=row.id,
        seat_id=row.seat_id,
        pack_id=row.pack_id,
        status=SessionStatus(row.status),
        starts_at=row.starts_at,
        minutes=row.minutes,
        number=row.number,
        completed_at=row.completed_at,
        cancelled_at=row.cancelled_at,
    )


# ---- /export: the server's packs, sessions and history as rows --------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRows:
    """What ``/export`` writes, one dict per pack, session and history entry (``core.export``)."""

    packs: tuple[dict[str, Any], ...]
    sessions: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]


def export_rows(tx: Tx, *, guild_id: int, actor: Actor) -> ExportRows:
    """Every pack, session and history entry of this server, with the people's ids and names.
    Only an admin may export. Three statements."""
    require_admin(actor, "export the server's records")
    people = (
        seats.c.student_id.label("student_user_id"),
        seats.c.student_name,
        mentors.c.user_id.label("mentor_user_id"),
        mentors.c.display_name.label("mentor_name"),
    )
    pack_rows = tx.conn.execute(
        select(packs, *people)
        .join(seats, seats.c.id == packs.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(packs.c.guild_id == guild_id)
        .order_by(packs.c.id)
    )
    session_rows = tx.conn.execute(
        select(sessions, *people)
        .join(seats, seats.c.id == sessions.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(sessions.c.guild_id == guild_id)
        .order_by(sessions.c.id)
    )
    history_rows = tx.conn.execute(
        select(history, *people)
        .outerjoin(seats, seats.c.id == history.c.seat_id)
        .outerjoin(mentors, mentors.c.id == seats.c.mentor_id)
        .where(history.c.guild_id == guild_id)
        .order_by(history.c.at, history.c.id)
    )
    return ExportRows(
        packs=tuple(
            {
                "pack_id": row.id,
                "seat_id": row.seat_id,
                "student_user_id": row.student_user_id,
                "student_name": row.student_name,
                "mentor_user_id": row.mentor_user_id,
                "mentor_name": row.mentor_name,
                "status": row.status,
                "sessions_total": row.sessions_total,
                "sessions_left": row.sessions_left,
                "sessions_booked": row.sessions_booked,
                "sessions_forfeited": row.sessions_forfeited,
                "granted_at": row.granted_at,
                "ends_at": row.ends_at,
                "closed_at": row.closed_at,
                "granted_by": row.granted_by,
            }
            for row in pack_rows
        ),
        sessions=tuple(
            {
                "session_id": row.id,
                "pack_id": row.pack_id,
                "seat_id": row.seat_id,
                "student_user_id": row.student_user_id,
                "student_name": row.student_name,
                "mentor_user_id": row.mentor_user_id,
                "mentor_name": row.mentor_name,
                "status": row.status,
                "starts_at": row.starts_at,
                "minutes": row.minutes,
                "number": row.number,
                "booked_by": row.booked_by,
                "completed_at": row.completed_at,
                "completed_by": row.completed_by,
                "cancelled_at": row.cancelled_at,
                "cancelled_by": row.cancelled_by,
            }
            for row in session_rows
        ),
        history=tuple(
            {
                "history_id": row.id,
                "at": row.at,
                "actor_id": row.actor_id,
                "action": row.action,
                "seat_id": row.seat_id,
                "pack_id": row.pack_id,
                "session_id": row.session_id,
                "student_user_id": row.student_user_id,
                "student_name": row.student_name,
                "mentor_user_id": row.mentor_user_id,
                "mentor_name": row.mentor_name,
                "detail": row.detail,
            }
            for row in history_rows
        ),
    )


# ---- /report: the figures of the last days ---------------------------------------------------------

REPORT_DAYS_DEFAULT = 30


@dataclass(frozen=True, slots=True)
class MentorWeeks:
    mentor_user_id: int
    mentor_name: str
    completed: tuple[int, ...]  # sessions completed in each of ``Report.weeks``


@dataclass(frozen=True, slots=True)
class Report:
    """``/report``: what happened in the ``days`` up to ``until`` (the spec's figures), the seats used
    now, and sessions completed per week (weeks start on Monday, UTC) per mentor."""

    days: int
    since: datetime
    until: datetime
    sessions_completed: int
    packs_granted: int
    graces_started: int
    renewed_in_grace: int
    seats_released: int
    no_shows: int
    seats_held: int
    capacity: int
    weeks: tuple[date, ...]
    per_mentor: tuple[MentorWeeks, ...]


def _week_of(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def report(tx: Tx, *, guild_id: int, actor: Actor, days: int = REPORT_DAYS_DEFAULT) -> Report:
    """The figures of the last ``days`` in this server; only an admin may see them."""
    require_admin(actor, "see the server's report")
    if not MIN_REPORT_DAYS <= days <= MAX_REPORT_DAYS:
        raise InvalidInput(
            f"A report covers {MIN_REPORT_DAYS} to {MAX_REPORT_DAYS} days; pick a number in that range."
        )
    since = tx.now - timedelta(days=days)

    def count(table: Table, *conditions: Any) -> int:
        return int(tx.conn.execute(select(func.count()).select_from(table).where(*conditions)).scalar_one())

    def logged(action: str) -> int:
        return count(
            history, history.c.guild_id == guild_id, history.c.action == action, history.c.at >= since
        )

    completions = list(
        tx.conn.execute(
            select(sessions.c.completed_at, mentors.c.user_id, mentors.c.display_name)
            .join(seats, seats.c.id == sessions.c.seat_id)
            .join(mentors, mentors.c.id == seats.c.mentor_id)
            .where(
                sessions.c.guild_id == guild_id,
                sessions.c.status == SessionStatus.COMPLETED.value,
                sessions.c.completed_at >= since,
                sessions.c.completed_at <= tx.now,
            )
        )
    )
    weeks: list[date] = []
    week = _week_of(since)
    while week <= _week_of(tx.now):
        weeks.append(week)
        week += timedelta(days=7)
    index = {week: number for number, week in enumerate(weeks)}
    counts: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for row in completions:
        counts.setdefault(row.user_id, [0] * len(weeks))[index[_week_of(row.completed_at)]] += 1
        names[row.user_id] = row.display_name
    held, capacity = tx.conn.execute(
        select(
            func.coalesce(func.sum(mentors.c.seats_held), 0), func.coalesce(func.sum(mentors.c.capacity), 0)
        ).where(mentors.c.guild_id == guild_id)
    ).one()
    return Report(
        days=days,
        since=since,
        until=tx.now,
        sessions_completed=len(completions),
        packs_granted=count(packs, packs.c.guild_id == guild_id, packs.c.granted_at >= since),
        graces_started=logged("seat_grace_started"),
        renewed_in_grace=logged("seat_renewed"),
        seats_released=count(
            seats,
            seats.c.guild_id == guild_id,
            seats.c.status == SeatStatus.RELEASED.value,
            seats.c.released_at >= since,
        ),
        no_shows=count(
            sessions,
            sessions.c.guild_id == guild_id,
            sessions.c.status == SessionStatus.NO_SHOW.value,
            sessions.c.starts_at >= since,
            sessions.c.starts_at <= tx.now,
        ),
        seats_held=int(held),
        capacity=int(capacity),
        weeks=tuple(weeks),
        per_mentor=tuple(
            MentorWeeks(user_id, names[user_id], tuple(counts[user_id]))
            for user_id in sorted(counts, key=lambda user_id: (names[user_id].lower(), user_id))
        ),
    )
