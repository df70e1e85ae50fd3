"""The ``session`` options' autocomplete: the booked sessions the caller may act on (/complete,
/cancel, /noshow), and the completions they may undo (/undo)."""

from __future__ import annotations

from sqlalchemy import String, cast, func, or_, select

from core.domain import MENTOR_UNDO_WINDOW, Actor, SeatStatus, SessionStatus
from core.schema import mentors, packs, seats, sessions, sql, with_people
from core.seats.lookup import narrowed
from core.seats.results import SessionView
from core.sessions.results import CompletedChoice
from core.tx import Tx

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices


def session_choices(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int | None = None,
    typed: str = "",
    limit: int = MAX_CHOICES,
    as_student: bool = False,
) -> list[SessionView]:
    """Booked sessions the caller may act on, soonest first: their own as a mentor; for an admin,
    also every other mentor's (narrowed to ``student_user_id`` when given); with ``as_student`` (for
    /cancel, R18) also those booked for the caller as a student.

    ``typed`` (what the user typed so far) narrows them in SQL before the ``limit`` is taken, so a
    session beyond the soonest ``limit`` is found: "#12" by its number, other text by the student's
    name or the session's number."""
    query = (
        with_people(
            sessions,
            sessions.c.id,
            sessions.c.pack_id,
            sessions.c.starts_at,
            sessions.c.minutes,
            mentors.c.display_name.label("mentor_name"),
        )
        .where(sessions.c.guild_id == guild_id, sessions.c.status == sql(SessionStatus.SCHEDULED.value))
        .order_by(sessions.c.starts_at, sessions.c.id)
        .limit(limit)
    )
    if not actor.is_admin:
        own = mentors.c.user_id == actor.user_id
        query = query.where(or_(own, seats.c.student_id == actor.user_id) if as_student else own)
    if student_user_id is not None:
        query = query.where(seats.c.student_id == student_user_id)
    text = typed.strip().lower()
    number = cast(sessions.c.id, String)
    if text.startswith("#"):
        query = query.where(number.startswith(text[1:], autoescape=True))
    elif text:
        query = query.where(
            or_(
                func.lower(seats.c.student_name).contains(text, autoescape=True),
                number.startswith(text, autoescape=True),
            )
        )
    return [
        SessionView(
            session_id=row.id,
            pack_id=row.pack_id,
            student_user_id=row.student_id,
            student_name=row.student_name,
            mentor_user_id=row.mentor_user_id,
            starts_at=row.starts_at,
            minutes=row.minutes,
            mentor_name=row.mentor_name,
        )
        for row in tx.conn.execute(query)
    ]


def undo_choices(tx: Tx, *, guild_id: int, actor: Actor, typed: str = "") -> list[CompletedChoice]:
    """The completions the caller may undo here, latest first: a mentor's own of the last 24 hours, an
    admin's any on a seat still held; narrowed by ``typed`` (a name, or ``#`` and the number)."""
    query = (
        select(
            sessions.c.id,
            seats.c.student_name,
            mentors.c.display_name,
            sessions.c.completed_at,
            sessions.c.number,
            packs.c.sessions_total,
        )
        .join(seats, seats.c.id == sessions.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .join(packs, packs.c.id == sessions.c.pack_id)
        .where(
            sessions.c.guild_id == guild_id,
            sessions.c.status == SessionStatus.COMPLETED.value,
            seats.c.status != SeatStatus.RELEASED.value,
        )
        .order_by(sessions.c.completed_at.desc(), sessions.c.id.desc())
        .limit(25)
    )
    if not actor.is_admin:
        query = query.where(
            mentors.c.user_id == actor.user_id, sessions.c.completed_at >= tx.now - MENTOR_UNDO_WINDOW
        )
    query = narrowed(query, typed, sessions.c.id)
    return [
        CompletedChoice(
            session_id=row.id,
            student_name=row.student_name,
            mentor_name=row.display_name,
            completed_at=row.completed_at,
            number=row.number or 0,
            total=row.sessions_total,
        )
        for row in tx.conn.execute(query)
    ]
