"""A mentor's weekly windows (R21): ``/hours add day start end [mentor]``, ``/hours remove window
[mentor]``, and the windows ``remove`` offers while typing.

A window is a weekday and two wall-clock times in the mentor's zone; it ends after it starts, on the
same day ("24:00" is the end of the day), and never overlaps another window of the same mentor (two
windows may touch: 17:00–18:00 and 18:00–19:00). Each change is checked and written under the mentor's
row lock, one transaction, recorded in the history.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select

from core import history
from core.domain import Actor
from core.errors import InvalidInput, NotFound, Refusal
from core.hours.labels import WEEKDAYS, clock, window_label
from core.hours.lookup import MentorHours, acting_on
from core.hours.reading import clock_minute, weekday
from core.hours.results import WindowAdded, WindowChoice, WindowRemoved, WindowShown
from core.hours.slots import Window
from core.schema import hours_windows
from core.texts import mention
from core.tx import Tx

MAX_CHOICES = 25  # Discord's most autocomplete choices

_WINDOWS_OF = (
    select(
        hours_windows.c.id, hours_windows.c.weekday, hours_windows.c.start_minute, hours_windows.c.end_minute
    )
    .where(hours_windows.c.mentor_id == bindparam("mentor_id"))
    .order_by(hours_windows.c.weekday, hours_windows.c.start_minute)
)


def add_window(
    tx: Tx, *, guild_id: int, actor: Actor, day: str, start: str, end: str, mentor_user_id: int | None = None
) -> WindowAdded:
    """R21: a mentor (or an admin, for ``mentor_user_id``) publishes a weekly window ``day start–end``
    in the mentor's zone. The same window again changes nothing (``already``)."""
    mentor = acting_on(
        tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="change", lock=True
    )
    window = Window(weekday(day), clock_minute(start), clock_minute(end, end=True))
    if window.end_minute <= window.start_minute:
        raise InvalidInput(
            f"A window ends after it starts, on the same day (you gave {window_label(window)}); "
            "use 24:00 for the end of the day, and split a window that runs past midnight in two."
        )
    for row in tx.conn.execute(_WINDOWS_OF, {"mentor_id": mentor.mentor_id}):
        other = Window(row.weekday, row.start_minute, row.end_minute)
        if other == window:
            return WindowAdded(mentor.mentor_user_id, mentor.zone, _shown(row.id, window), already=True)
        if _overlap(window, other):
            raise InvalidInput(
                f"{window_label(window)} overlaps {_whose(actor, mentor)} window {window_label(other)}; "
                "pick hours outside it, or remove that one first with /hours remove."
            )
    window_id = tx.conn.execute(
        insert(hours_windows)
        .values(
            guild_id=guild_id,
            mentor_id=mentor.mentor_id,
            weekday=window.weekday,
            start_minute=window.start_minute,
            end_minute=window.end_minute,
            created_at=tx.now,
            created_by=actor.user_id,
        )
        .returning(hours_windows.c.id)
    ).scalar_one()
    _record(tx, guild_id, actor, mentor, "hours_window_added", window)
    return WindowAdded(mentor.mentor_user_id, mentor.zone, _shown(window_id, window))


_REMOVE = (
    delete(hours_windows)
    .where(hours_windows.c.id == bindparam("window_id"), hours_windows.c.mentor_id == bindparam("mentor_id"))
    .returning(hours_windows.c.weekday, hours_windows.c.start_minute, hours_windows.c.end_minute)
)


def remove_window(
    tx: Tx, *, guild_id: int, actor: Actor, window_id: int, mentor_user_id: int | None = None
) -> WindowRemoved:
    """R21: a mentor (or an admin, for ``mentor_user_id``) takes a weekly window out of their hours.
    Sessions already booked in it stay booked."""
    mentor = acting_on(
        tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="change", lock=True
    )
    row = tx.conn.execute(_REMOVE, {"window_id": window_id, "mentor_id": mentor.mentor_id}).one_or_none()
    if row is None:
        raise NotFound(
            f"That window is not in {_whose(actor, mentor)} hours (any more); pick one from the list, "
            "or see them with /hours show."
        )
    window = Window(row.weekday, row.start_minute, row.end_minute)
    _record(tx, guild_id, actor, mentor, "hours_window_removed", window)
    return WindowRemoved(mentor.mentor_user_id, mentor.zone, _shown(window_id, window))


def window_choices(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int | None = None, typed: str = ""
) -> list[WindowChoice]:
    """The windows ``/hours remove`` offers while the caller types (those whose label contains what
    was typed); none when the caller may not change that mentor's hours."""
    try:
        mentor = acting_on(tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="change")
    except Refusal:
        return []
    wanted = typed.strip().lower()
    choices = []
    for row in tx.conn.execute(_WINDOWS_OF, {"mentor_id": mentor.mentor_id}):
        label = window_label(Window(row.weekday, row.start_minute, row.end_minute))
        if wanted in label.lower():
            choices.append(WindowChoice(row.id, label))
    return choices[:MAX_CHOICES]


def _overlap(one: Window, other: Window) -> bool:
    return (
        one.weekday == other.weekday
        and one.start_minute < other.end_minute
        and other.start_minute < one.end_minute
    )


def _shown(window_id: int, window: Window) -> WindowShown:
    return WindowShown(window_id, window, window_label(window))


def _whose(actor: Actor, mentor: MentorHours) -> str:
    return "your" if mentor.mentor_user_id == actor.user_id else f"{mention(mentor.mentor_user_id)}'s"


def _record(tx: Tx, guild_id: int, actor: Actor, mentor: MentorHours, action: str, window: Window) -> None:
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action=action,
        mentor_user_id=mentor.mentor_user_id,
        day=WEEKDAYS[window.weekday],
        start=clock(window.start_minute),
        end=clock(window.end_minute),
        zone=mentor.zone,
    )
