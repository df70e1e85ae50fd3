"""``/report``: the figures of the last days in a server, the seats used now, and the sessions completed
per week per mentor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select

from core.domain import Actor, SeatStatus, SessionStatus, require_admin
from core.errors import InvalidInput
from core.schema import history, mentors, packs, seats, sessions
from core.tx import Tx

MIN_REPORT_DAYS, MAX_REPORT_DAYS = 1, 366
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

    completed, weeks, per_mentor = _completed_per_week(tx, guild_id, since)
    held, capacity = tx.conn.execute(
        select(
            func.coalesce(func.sum(mentors.c.seats_held), 0), func.coalesce(func.sum(mentors.c.capacity), 0)
        ).where(mentors.c.guild_id == guild_id)
    ).one()
    return Report(
        days=days,
        since=since,
        until=tx.now,
        sessions_completed=completed,
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
        weeks=weeks,
        per_mentor=per_mentor,
    )


def _completed_per_week(
    tx: Tx, guild_id: int, since: datetime
) -> tuple[int, tuple[date, ...], tuple[MentorWeeks, ...]]:
    """The sessions completed since ``since``: how many, the weeks (from Monday, UTC) they fall in, and
    how many each mentor completed in each week (mentors by name)."""
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
    per_mentor = tuple(
        MentorWeeks(user_id, names[user_id], tuple(counts[user_id]))
        for user_id in sorted(counts, key=lambda user_id: (names[user_id].lower(), user_id))
    )
    return len(completions), tuple(weeks), per_mentor
