"""What ``/book`` offers a student (R21, R20): the open slots of their mentor as ``when``'s
autocomplete choices (at most 25, those whose label holds what was typed), and as a select menu a
week per page. Labels are in the student's zone ("Tue 13 Jan 18:00–19:00 (in 3 days)"): choices
can't show Discord timestamps. What is open is decided by ``core.hours`` alone.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam

from core.domain import Actor, SessionStatus
from core.hours import OpenSlots, open_slots_for, slot_label
from core.hours.calendar import local_today
from core.schema import sessions, sql, with_people
from core.settings.timezone import time_zone_of
from core.tx import Tx
from core.when import zone_named

MAX_CHOICES = 25  # Discord's most autocomplete choices, and options in a select menu
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SlotChoice:
    """One open slot as a choice: its label in the student's zone and its instant (ISO 8601, UTC)."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class SlotsPage:
    """One week of open slots for the menu: page ``week`` (from 0) of ``weeks``, from ``since`` to
    ``until`` (the student's local midnights), the first 25 as ``choices`` and how many more."""

    opened: OpenSlots
    zone: str
    week: int
    weeks: int
    since: datetime
    until: datetime
    choices: tuple[SlotChoice, ...]
    more: int


def slot_choices(
    tx: Tx, *, guild_id: int, student_user_id: int, mentor_user_id: int | None = None, typed: str = ""
) -> list[SlotChoice]:
    """``when``'s autocomplete: the open slots whose label holds ``typed`` (ignoring case), at most 25."""
    opened = open_slots_for(
        tx, guild_id=guild_id, student_user_id=student_user_id, mentor_user_id=mentor_user_id
    )
    return _labelled(tx, opened, time_zone_of(tx, guild_id=guild_id, user_id=student_user_id).zone, typed)


_SESSION_PEOPLE = with_people(sessions, sessions.c.id, sessions.c.starts_at).where(
    sessions.c.id == bindparam("session_id"),
    sessions.c.guild_id == bindparam("guild_id"),
    sessions.c.status == sql(SessionStatus.SCHEDULED.value),
)


def move_choices(
    tx: Tx, *, guild_id: int, actor: Actor, session_id: int, typed: str = ""
) -> list[SlotChoice]:
    """``/reschedule``'s ``when``: the open slots session ``session_id`` may move to, labelled in the
    caller's zone; none when it is not booked here or not the caller's to move."""
    row = tx.conn.execute(_SESSION_PEOPLE, {"session_id": session_id, "guild_id": guild_id}).one_or_none()
    if row is None or (actor.user_id not in (row.student_id, row.mentor_user_id) and not actor.is_admin):
        return []
    opened = open_slots_for(
        tx,
        guild_id=guild_id,
        student_user_id=row.student_id,
        mentor_user_id=row.mentor_user_id,
        moving_session_id=session_id,
    )
    elsewhere = dataclasses.replace(
        opened, slots=tuple(slot for slot in opened.slots if slot.starts_at != row.starts_at)
    )
    return _labelled(tx, elsewhere, time_zone_of(tx, guild_id=guild_id, user_id=actor.user_id).zone, typed)


def _labelled(tx: Tx, opened: OpenSlots, zone: str, typed: str) -> list[SlotChoice]:
    """The open slots labelled in ``zone``, those whose label holds ``typed``, at most 25."""
    wanted = typed.strip().lower()
    found = []
    for slot in opened.slots:
        label = slot_label(slot.starts_at, slot.minutes, zone=zone, now=tx.now)
        if wanted in label.lower():
            found.append(SlotChoice(label, slot.starts_at.isoformat()))
            if len(found) == MAX_CHOICES:
                break
    return found


def slots_page(
    tx: Tx, *, guild_id: int, student_user_id: int, mentor_user_id: int | None = None, week: int = 0
) -> SlotsPage:
    """Week ``week`` of the open slots (week 0 starts today at midnight in the student's zone)."""
    zone = time_zone_of(tx, guild_id=guild_id, user_id=student_user_id).zone
    today = datetime.combine(local_today(tx.now, zone), time(), tzinfo=zone_named(zone))
    since = (today + week * WEEK).astimezone(UTC)
    until = (today + (week + 1) * WEEK).astimezone(UTC)
    opened = open_slots_for(
        tx,
        guild_id=guild_id,
        student_user_id=student_user_id,
        mentor_user_id=mentor_user_id,
        since=since,
        until=until,
        limit=MAX_CHOICES + 1000,
    )
    last = tx.now + timedelta(days=opened.rules.horizon_days)
    weeks = max(1, math.ceil((last - today.astimezone(UTC)) / WEEK))
    choices = tuple(
        SlotChoice(
            slot_label(slot.starts_at, slot.minutes, zone=zone, now=tx.now), slot.starts_at.isoformat()
        )
        for slot in opened.slots[:MAX_CHOICES]
    )
    return SlotsPage(
        opened=opened,
        zone=zone,
        week=week,
        weeks=weeks,
        since=since,
        until=until,
        choices=choices,
        more=max(0, len(opened.slots) - MAX_CHOICES),
    )
