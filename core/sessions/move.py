"""R21 ``/reschedule``: a booked session moved to another open slot of its mentor's hours. Its pack and
number stay; the slot is checked inside the write transaction as ``/book``'s is (the session being
moved stands in nobody's way, and its pack's end bounds the slots). A student may not move their own
session within ``LATE_CANCEL_HOURS`` of its start. The session's ``sequence`` goes up, so calendars
take the new time (R22) and the booking, move and reminder DMs of the old time are dropped (R12,
``core.sessions.telling``); its reminder falls due anew before the new time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from core import changes, rules, texts
from core.changes import About
from core.domain import Actor, NotificationKind, SessionStatus
from core.errors import NothingToDo
from core.hours import require_open
from core.language import caller_language
from core.schema import sessions
from core.sessions.lookup import refuse_unless_booked, session_ref
from core.sessions.results import SessionMoved
from core.sessions.telling import session_dm
from core.settings.timezone import time_zone_of
from core.texts import mention, plural, timestamp
from core.tx import AnyRow, Tx
from core.when import read_when


def move_session(tx: Tx, *, guild_id: int, actor: Actor, session_id: int, when: str) -> SessionMoved:
    """R21: move booked session ``session_id`` to the open slot at ``when`` (an instant from the
    autocomplete, or a time typed in the caller's zone). The student (their own), the seat's mentor,
    an admin."""
    ref = session_ref(
        tx, guild_id=guild_id, actor=actor, session_id=session_id, purpose="move", student_may=True
    )
    refuse_unless_booked(ref, "moved")
    by_student = (
        actor.user_id == ref.student_id and actor.user_id != ref.mentor_user_id and not actor.is_admin
    )
    _refuse_too_late(tx, guild_id, ref, by_student)
    zone = time_zone_of(tx, guild_id=guild_id, user_id=actor.user_id).zone
    opened = require_open(
        tx,
        guild_id=guild_id,
        mentor_user_id=ref.mentor_user_id,
        student_user_id=ref.student_id,
        starts_at=read_when(
            when, zone=zone, now=tx.now, language=caller_language(tx, guild_id=guild_id, locale=actor.locale)
        ),
        moving_session_id=session_id,
    )
    (slot,) = opened.slots
    if slot.starts_at == ref.starts_at:
        raise NothingToDo(f"Session #{ref.id} is already at {timestamp(ref.starts_at)}; pick another slot.")
    sequence = _move(tx, guild_id, ref, slot.starts_at, slot.minutes)
    about = About(guild_id, ref.seat_id, ref.pack_id, session_id)
    owed = [
        session_dm(
            about,
            NotificationKind.SESSION_MOVED,
            ref.student_id,
            texts.session_moved(ref.mentor_user_id, ref.starts_at, slot.starts_at),
            sequence=sequence,
            mentor=ref.mentor_user_id,
        )
    ]
    if by_student:
        owed.append(
            session_dm(
                about,
                NotificationKind.SESSION_MOVED_MENTOR,
                ref.mentor_user_id,
                texts.session_moved_mentor(ref.student_id, ref.starts_at, slot.starts_at),
                sequence=sequence,
            )
        )
    ids = changes.record(
        tx,
        about,
        "session_moved",
        actor_id=actor.user_id,
        owed=owed,
        was=ref.starts_at.isoformat(),
        starts_at=slot.starts_at.isoformat(),
        minutes=slot.minutes,
    )
    return SessionMoved(
        session_id=session_id,
        pack_id=ref.pack_id,
        student_user_id=ref.student_id,
        mentor_user_id=ref.mentor_user_id,
        was=ref.starts_at,
        starts_at=slot.starts_at,
        minutes=slot.minutes,
        notification_ids=ids,
    )


def _refuse_too_late(tx: Tx, guild_id: int, ref: AnyRow, by_student: bool) -> None:
    """A session that has started can't move; the student's own, not within the late-cancel hours."""
    if ref.starts_at <= tx.now:
        raise NothingToDo(
            f"Session #{ref.id} started {timestamp(ref.starts_at, 'R')}, so it can't be moved; "
            f"talk to {mention(ref.mentor_user_id)} about it."
        )
    policy = tx.policy_for(guild_id)
    if by_student and policy.late_cancel_hours and ref.starts_at - tx.now < policy.late_cancel_lead:
        raise NothingToDo(
            f"Session #{ref.id} starts {timestamp(ref.starts_at, 'R')}, less than "
            f"{plural(policy.late_cancel_hours, 'hour')} from now, so you can't move it; cancel it with "
            f"/cancel (late, it is taken off your pack) or ask {mention(ref.mentor_user_id)} to move it."
        )


def _move(tx: Tx, guild_id: int, ref: AnyRow, starts_at: datetime, minutes: int) -> int:
    """The session at its new time, its sequence raised and its reminder due anew; the new sequence."""
    lead = tx.policy_for(guild_id).session_reminder_lead
    reminder_at = None if starts_at - lead <= tx.now else rules.warning_at(starts_at, lead)
    sequence = tx.conn.execute(
        update(sessions)
        .where(sessions.c.id == ref.id, sessions.c.status == SessionStatus.SCHEDULED.value)
        .values(
            starts_at=starts_at,
            minutes=minutes,
            sequence=sessions.c.sequence + 1,
            reminder_at=reminder_at,
            reminder_queued=False,
        )
        .returning(sessions.c.sequence)
    ).scalar()
    if sequence is None:
        raise RuntimeError(f"session {ref.id} changed while it was being moved")
    return int(sequence)
