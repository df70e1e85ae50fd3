"""A mentor's booking rules (R21): ``/hours rules [length] [buffer] [notice_hours] [daily_max]
[horizon_days] [mentor]``.

Each option given sets that rule for this mentor; an option left out keeps what is in force (the
mentor's own value, else the default: length 60, buffer 0, no daily cap, and the server's
``MIN_NOTICE_HOURS`` and ``BOOKING_HORIZON_DAYS``). With no option, nothing changes and the rules in
force are answered.
"""

from __future__ import annotations

import dataclasses

from core import history
from core.bounds import (
    MAX_BUFFER_MINUTES,
    MAX_DAILY_MAX,
    MAX_HORIZON_DAYS,
    MAX_NOTICE_HOURS,
    MAX_SESSION_MINUTES,
    MIN_BUFFER_MINUTES,
    MIN_DAILY_MAX,
    MIN_HORIZON_DAYS,
    MIN_NOTICE_HOURS,
    MIN_SESSION_MINUTES,
)
from core.domain import Actor
from core.errors import InvalidInput
from core.hours.lookup import RULES, acting_on
from core.hours.results import MENTORS_OWN, RulesSet
from core.schema import hours_rules
from core.tx import Tx

# Each option: its bounds and how a refusal names it.
BOUNDS = {
    "length": (MIN_SESSION_MINUTES, MAX_SESSION_MINUTES, "A session lasts {low} to {high} minutes"),
    "buffer": (
        MIN_BUFFER_MINUTES,
        MAX_BUFFER_MINUTES,
        "The buffer between sessions is {low} to {high} minutes",
    ),
    "notice_hours": (MIN_NOTICE_HOURS, MAX_NOTICE_HOURS, "The minimum notice is {low} to {high} hours"),
    "daily_max": (MIN_DAILY_MAX, MAX_DAILY_MAX, "The most sessions a day is {low} (no cap) to {high}"),
    "horizon_days": (MIN_HORIZON_DAYS, MAX_HORIZON_DAYS, "Bookings reach {low} to {high} days ahead"),
}
_COLUMN = {name: column for name, column, _ in RULES}


def set_booking_rules(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    length: int | None = None,
    buffer: int | None = None,
    notice_hours: int | None = None,
    daily_max: int | None = None,
    horizon_days: int | None = None,
    mentor_user_id: int | None = None,
) -> RulesSet:
    """R21: set the rules given for this mentor (an admin: for ``mentor_user_id``); the others keep
    their value."""
    given = {
        name: value
        for name, value in (
            ("length", length),
            ("buffer", buffer),
            ("notice_hours", notice_hours),
            ("daily_max", daily_max),
            ("horizon_days", horizon_days),
        )
        if value is not None
    }
    for name, value in given.items():
        low, high, sentence = BOUNDS[name]
        if not low <= value <= high:
            raise InvalidInput(f"{sentence.format(low=low, high=high)}; you gave {value}.")
    mentor = acting_on(
        tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="change", lock=bool(given)
    )
    if not given:
        return RulesSet(mentor.mentor_user_id, mentor.rules_shown, ())
    columns = {_COLUMN[name]: value for name, value in given.items()}
    upsert = tx.upsert(hours_rules).values(
        mentor_id=mentor.mentor_id, guild_id=guild_id, updated_at=tx.now, updated_by=actor.user_id, **columns
    )
    tx.conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["mentor_id"],
            set_={**columns, "updated_at": tx.now, "updated_by": actor.user_id},
        )
    )
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="hours_rules_set",
        mentor_user_id=mentor.mentor_user_id,
        **given,
    )
    rules = tuple(
        dataclasses.replace(rule, value=given[rule.name], source=MENTORS_OWN) if rule.name in given else rule
        for rule in mentor.rules_shown
    )
    return RulesSet(mentor.mentor_user_id, rules, tuple(given))
