"""``/student``: everything about one student here: their seats (released ones too), every pack and
session on them, and the last changes to them (R13)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.domain import Actor, PackStatus, SeatStatus, SessionStatus
from core.errors import NotAllowed, NotFound
from core.schema import history, mentors, packs, seats, sessions
from core.seats.results import PackView
from core.seats.views import pack_view
from core.texts import mention
from core.tx import AnyRow, Tx

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
    seat_rows = _seats_seen(tx, guild_id, actor, student_user_id)
    ids = [row.id for row in seat_rows]
    pack_map: dict[int, list[PackView]] = defaultdict(list)
    for row in tx.conn.execute(
        select(packs).where(packs.c.seat_id.in_(ids)).order_by(packs.c.granted_at, packs.c.id)
    ):
        pack_map[row.seat_id].append(pack_view(row))
    session_map: dict[int, list[SessionRecord]] = defaultdict(list)
    for row in tx.conn.execute(
        select(sessions).where(sessions.c.seat_id.in_(ids)).order_by(sessions.c.starts_at, sessions.c.id)
    ):
        session_map[row.seat_id].append(_session_record(row))
    student_name = next((row.student_name for row in seat_rows if row.student_name), "")
    timeline = _timeline(tx, guild_id, ids, (student_user_id, student_name), timeline_length)
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
        timeline=timeline,
    )


def _seats_seen(tx: Tx, guild_id: int, actor: Actor, student_user_id: int) -> list[AnyRow]:
    """The student's seats here the caller may see: all for an admin, a mentor's own with them; refused
    when there are none."""
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
    return seat_rows


def _timeline(
    tx: Tx, guild_id: int, seat_ids: list[int], student: tuple[int, str], length: int
) -> tuple[TimelineEntry, ...]:
    """The last ``length`` changes to the seats (R13), latest first, naming who acted where the program
    knows them (``student``: the student's id and name)."""
    history_rows = list(
        tx.conn.execute(
            select(history)
            .where(history.c.guild_id == guild_id, history.c.seat_id.in_(seat_ids))
            .order_by(history.c.at.desc(), history.c.id.desc())
            .limit(length)
        )
    )
    # Name who acted where the program knows them: the student, or a mentor of this server (an admin
    # stays a mention, which Discord shows by name to whoever has them loaded).
    actors = {row.actor_id for row in history_rows if row.actor_id is not None}
    names = dict([student])
    if actors:
        names |= {
            row.user_id: row.display_name
            for row in tx.conn.execute(
                select(mentors.c.user_id, mentors.c.display_name).where(
                    mentors.c.guild_id == guild_id, mentors.c.user_id.in_(actors)
                )
            )
        }
    return tuple(
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
