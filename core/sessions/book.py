"""R21 ``/book``: a student books an open slot of their mentor's hours (or the same slot ``weekly``
for 2–8 weeks running, all or none), each on the seat's oldest active pack with an unbooked session
that is valid then (R10). Both are told: the student, and the mentor, since the student acted.

The slot is checked inside the write transaction (``core.hours.require_open``, which holds the
mentor's row first): of two students taking one slot at once, the second finds the first's session
and is told it was just taken, with what is still open.
"""

from __future__ import annotations

from core import changes, texts
from core.bounds import MAX_WEEKLY, MIN_WEEKLY
from core.changes import About
from core.domain import Actor, NotificationKind
from core.errors import InvalidInput, NothingToDo
from core.hours import OpenSlots, require_open
from core.language import caller_language
from core.schema import packs
from core.sessions.results import BookedSlot, SlotsBooked
from core.sessions.schedule import book_row
from core.sessions.taking import take_from_oldest_pack
from core.sessions.telling import session_dm
from core.settings.timezone import time_zone_of
from core.texts import mention, timestamp
from core.tx import Tx
from core.when import read_when


def book_slot(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    when: str,
    mentor_user_id: int | None = None,
    weekly: int | None = None,
) -> SlotsBooked:
    """R21: the caller (a student) books the open slot at ``when`` (an instant from the autocomplete or
    the menu, or a time they typed, read in their zone) with ``mentor_user_id`` (their only mentor
    here when not given); with ``weekly``, the same wall-clock slot that many weeks running."""
    weeks = 1 if weekly is None else weekly
    if weekly is not None and not MIN_WEEKLY <= weekly <= MAX_WEEKLY:
        raise InvalidInput(f"A weekly series is {MIN_WEEKLY} to {MAX_WEEKLY} weeks; you gave {weekly}.")
    zone = time_zone_of(tx, guild_id=guild_id, user_id=actor.user_id).zone
    language = caller_language(tx, guild_id=guild_id, locale=actor.locale)
    starts_at = read_when(when, zone=zone, now=tx.now, language=language)
    opened = require_open(
        tx,
        guild_id=guild_id,
        mentor_user_id=mentor_user_id,
        student_user_id=actor.user_id,
        starts_at=starts_at,
        weeks=weeks,
    )
    assert opened.seat_id is not None  # require_open refuses a student with no seat with them
    booked = tuple(_book_week(tx, guild_id, actor, opened, week, weeks) for week in range(weeks))
    return _tell(tx, guild_id, actor, opened, booked)


def _book_week(tx: Tx, guild_id: int, actor: Actor, opened: OpenSlots, week: int, weeks: int) -> BookedSlot:
    """Week ``week`` (from 0) of the series on the oldest pack that takes it; all or none: a week no
    pack takes refuses the whole series (the transaction rolls back)."""
    assert opened.seat_id is not None
    slot = opened.slots[week]
    pack = take_from_oldest_pack(
        tx, opened.seat_id, {"sessions_booked": packs.c.sessions_booked + 1}, ends_by=slot.starts_at
    )
    if pack is None:
        what = (
            timestamp(slot.starts_at)
            if weeks == 1
            else f"Week {week + 1} of {weeks} ({timestamp(slot.starts_at)})"
        )
        raise NothingToDo(
            f"{what} can't be booked: you have no unbooked session left on a pack valid then with "
            f"{mention(opened.mentor_user_id)}; book fewer weeks, or renew to book more."
        )
    session_id = book_row(tx, guild_id, actor, (opened.seat_id, pack.id), slot.starts_at, slot.minutes, None)
    return BookedSlot(session_id, pack.id, slot.starts_at)


def _tell(
    tx: Tx, guild_id: int, actor: Actor, opened: OpenSlots, booked: tuple[BookedSlot, ...]
) -> SlotsBooked:
    """One DM to each side for the booking (a series in one DM, about its first session), and each
    session's history entry."""
    assert opened.seat_id is not None
    first = booked[0]
    minutes = opened.rules.length_minutes
    starts = [slot.starts_at for slot in booked]
    about = About(guild_id, opened.seat_id, first.pack_id, first.session_id)
    owed = [
        session_dm(
            about,
            NotificationKind.SESSION_BOOKED,
            actor.user_id,
            texts.session_self_booked(opened.mentor_user_id, starts, minutes),
            sequence=0,
            mentor=opened.mentor_user_id,
        ),
        session_dm(
            about,
            NotificationKind.SESSION_BOOKED_MENTOR,
            opened.mentor_user_id,
            texts.session_booked_mentor(actor.user_id, starts, minutes),
            sequence=0,
        ),
    ]
    ids = changes.record_many(
        tx,
        [
            About(guild_id, opened.seat_id, slot.pack_id, slot.session_id).entry(
                "session_booked",
                actor_id=actor.user_id,
                starts_at=slot.starts_at.isoformat(),
                minutes=minutes,
                self_booked=True,
            )
            for slot in booked
        ],
        owed=owed,
    )
    return SlotsBooked(
        sessions=booked,
        student_user_id=actor.user_id,
        mentor_user_id=opened.mentor_user_id,
        minutes=minutes,
        notification_ids=ids,
    )
