"""The replies of the session commands: /complete (and the question it asks, R3), /schedule, /cancel
(and a student's late cancel, R18), /noshow, /undo (R16), and the labels of the ``session`` choices.

Pure functions of core's results. Times are Discord timestamps, which each reader's client shows in
their own time zone (autocomplete labels cannot render them, so they say UTC).
"""

from __future__ import annotations

from bot.kit.text import choice_label
from core.seats import SessionView
from core.sessions import (
    CompletedChoice,
    CompletionChoice,
    LateCancelToConfirm,
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    SessionMissed,
    SessionReverted,
)
from core.texts import mention, timestamp, when


def completed(result: SessionCompleted) -> str:
    student = mention(result.student_user_id)
    if result.already_completed:
        return (
            f"Session {result.number} of {result.total} for {student} was already completed "
            f"{timestamp(result.completed_at, 'R')}; nothing changed."
        )
    missed = f" ({result.missed} missed)" if result.missed else ""
    text = f"Session {result.number} of {result.total} completed for {student} — {result.left} left{missed}."
    if result.grace_ends_at is not None:
        text += f" Their seat is held until {when(result.grace_ends_at)} for them to renew."
    return text


def completed_or_choice(result: SessionCompleted | CompletionChoice) -> str:
    if isinstance(result, CompletionChoice):
        return (
            f"{mention(result.student_user_id)} has session #{result.session_id} booked for "
            f"{when(result.starts_at)}, not within the hour, so nothing was completed yet: is it that "
            "session, or a new one now?"
        )
    return completed(result)


def booked(result: SessionBooked) -> str:
    if result.already_booked:
        return (
            f"Session #{result.session_id} with {mention(result.student_user_id)} for {when(result.starts_at)} "
            "was already booked by this request; nothing changed."
        )
    return (
        f"Booked session #{result.session_id} with {mention(result.student_user_id)} for {when(result.starts_at)}, "
        f"{result.minutes} minutes. They have been told."
    )


def cancelled(result: SessionCancelled | SessionMissed | LateCancelToConfirm) -> str:
    """The reply to /cancel (and its confirmation): what happened to the session and the pack."""
    if isinstance(result, LateCancelToConfirm):
        return (
            f"Session #{result.session_id} with {mention(result.mentor_user_id)} starts {when(result.starts_at)}, "
            f"less than {result.late_cancel_hours} hours from now: cancelling it now takes it off your pack. "
            "Press Cancel it anyway to go ahead; otherwise nothing changes."
        )
    if isinstance(result, SessionMissed):
        return (
            f"Cancelled session #{result.session_id} on {timestamp(result.starts_at)}, late: it was taken off "
            f"your pack ({result.left} left)."
        )
    return (
        f"Cancelled session #{result.session_id} with {mention(result.student_user_id)} on "
        f"{timestamp(result.starts_at)}; nothing was taken off their pack. They have been told."
    )


def no_show_marked(result: SessionMissed) -> str:
    taken = (
        f"a session was taken off their pack ({result.left} left)"
        if result.taken
        else f"nothing was taken off their pack, as this server counts no-shows as free ({result.left} left)"
    )
    return (
        f"Marked session #{result.session_id} of {mention(result.student_user_id)} on "
        f"{timestamp(result.starts_at)} as a no-show: {taken}. They have been told."
    )


def reverted(result: SessionReverted) -> str:
    student = mention(result.student_user_id)
    if result.already_voided:
        return f"Session #{result.session_id} of {student} was already undone {timestamp(result.voided_at, 'R')}; nothing changed."
    if result.forfeited:
        back = "its pack has ended, so the session counts as forfeited"
    else:
        back = f"{result.left} of {result.total} left"
    grace = " Their seat is no longer in grace." if result.seat_back_from_grace else ""
    return f"Undid session #{result.session_id} of {student}: {back}.{grace} They have been told."


def session_label(session: SessionView) -> str:
    """An autocomplete choice, e.g. "alice with mia — Tue 13 Jan 18:00 UTC (#12)": the person, the
    state (for a booked session, its time) and the number. Discord shows these as plain text, so the
    time is spelled in UTC; the number stays whole however long the names are."""
    starts = session.starts_at.strftime("%a %d %b %H:%M UTC")
    student = session.student_name or str(session.student_user_id)
    mentor = session.mentor_name or str(session.mentor_user_id)
    return choice_label(f"{student} with {mentor}", f" — {starts} (#{session.session_id})")


def undo_choice_label(choice: CompletedChoice) -> str:
    student = choice.student_name or "a student"
    mentor = choice.mentor_name or "a mentor"
    done = choice.completed_at.strftime("%a %d %b %H:%M UTC")
    return choice_label(
        f"{student} with {mentor}",
        f" — session {choice.number} of {choice.total}, completed {done} (#{choice.session_id})",
    )
