"""The read models of the hours: ``/hours show`` (a mentor's windows, days off still ahead, the rules in
force and the next open slots) and the open slots of one mentor for one student, which ``/book``'s
autocomplete and menu and ``/reschedule`` show. Each is two statements (three for ``/book`` without a
mentor): the mentor with everything that is one value (``core.hours.lookup``), then their calendar
(``core.hours.calendar``); what is open is then decided by ``core.hours.slots`` alone.
"""

from __future__ import annotations

from datetime import datetime

from core.domain import Actor
from core.errors import NotFound, NothingToDo
from core.hours.calendar import Calendar, read_calendar
from core.hours.labels import days_off_label, window_label
from core.hours.lookup import MentorHours, acting_on, mentor_hours, mentor_of_student
from core.hours.results import DaysOffShown, HoursShown, OpenSlots, WindowShown
from core.hours.slots import Slot, open_slots
from core.texts import mention
from core.tx import Tx

NEXT_SLOTS = 10  # how many open slots /hours show lists


def hours_shown(
    tx: Tx, *, guild_id: int, actor: Actor, mentor_user_id: int | None = None, slots: int = NEXT_SLOTS
) -> HoursShown:
    """``/hours show [mentor]``: a mentor their own, an admin any mentor's."""
    mentor = acting_on(tx, guild_id=guild_id, actor=actor, mentor_user_id=mentor_user_id, what="see")
    calendar = read_calendar(tx, mentor)
    return HoursShown(
        mentor_user_id=mentor.mentor_user_id,
        zone=mentor.zone,
        windows=tuple(WindowShown(id_, window, window_label(window)) for id_, window in calendar.windows),
        days_off=tuple(
            DaysOffShown(id_, off.first, off.last, days_off_label(off.first, off.last))
            for id_, off in calendar.days_off
        ),
        rules=mentor.rules_shown,
        next_slots=tuple(open_slots(calendar.hours, calendar.booked, now=tx.now, limit=slots)),
    )


def open_slots_for(
    tx: Tx,
    *,
    guild_id: int,
    student_user_id: int,
    mentor_user_id: int | None = None,
    moving_session_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> OpenSlots:
    """The slots ``student_user_id`` may book with ``mentor_user_id`` (their only mentor here when not
    given), earliest first, those starting from ``since`` and before ``until``, at most ``limit``.
    With ``moving_session_id`` (``/reschedule``) that session stands in nobody's way and its pack's end
    bounds the slots."""
    mentor, calendar = booking_calendar(
        tx,
        guild_id=guild_id,
        student_user_id=student_user_id,
        mentor_user_id=mentor_user_id,
        moving_session_id=moving_session_id,
    )
    found = open_slots(
        calendar.hours,
        calendar.booked,
        now=tx.now,
        not_after=mentor.not_after,
        since=since,
        until=until,
        limit=limit,
    )
    return opened(mentor, tuple(found))


def booking_calendar(
    tx: Tx,
    *,
    guild_id: int,
    student_user_id: int,
    mentor_user_id: int | None,
    moving_session_id: int | None = None,
    lock: bool = False,
) -> tuple[MentorHours, Calendar]:
    """The mentor and calendar a booking is checked against, or the refusal that says why there is
    nothing to book: not a mentor here, no seat with them, no unbooked session, no hours published."""
    if mentor_user_id is None:
        mentor_user_id = mentor_of_student(tx, guild_id=guild_id, student_user_id=student_user_id)
    mentor = mentor_hours(
        tx,
        guild_id=guild_id,
        mentor_user_id=mentor_user_id,
        student_user_id=student_user_id,
        moving_session_id=moving_session_id,
        lock=lock,
    )
    if mentor is None:
        raise NotFound(f"{mention(mentor_user_id)} is not a mentor here; pick a mentor from the list.")
    if moving_session_id is None and mentor.seat_id is None:
        raise NotFound(
            f"You have no seat with {mention(mentor_user_id)}; join their waitlist with /waitlist join, "
            "or ask an admin for a pack."
        )
    if moving_session_id is None and mentor.not_after is None:
        raise NothingToDo(
            f"Every session of your packs with {mention(mentor_user_id)} is booked or used; "
            "renew to book another."
        )
    calendar = read_calendar(tx, mentor, student_user_id=student_user_id, moving_session_id=moving_session_id)
    if not calendar.hours.windows:
        raise NothingToDo(
            f"{mention(mentor_user_id)} has not published any hours yet; a mentor publishes them with "
            "/hours add, so ask them to (or to book you with /schedule)."
        )
    return mentor, calendar


def opened(mentor: MentorHours, slots: tuple[Slot, ...]) -> OpenSlots:
    """``OpenSlots`` of ``mentor`` with ``slots``."""
    return OpenSlots(
        mentor_id=mentor.mentor_id,
        mentor_user_id=mentor.mentor_user_id,
        zone=mentor.zone,
        rules=mentor.rules,
        seat_id=mentor.seat_id,
        not_after=mentor.not_after,
        slots=slots,
    )
