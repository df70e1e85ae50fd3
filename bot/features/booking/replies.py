"""The replies of /book and /reschedule (R21): what was booked or moved, in Discord timestamps (each
reader sees their own zone), and the page of the open-slots menu."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.text import choice_label
from core.seats import SessionView
from core.sessions import SessionMoved, SlotsBooked, SlotsPage
from core.texts import mention, timestamp, when


def booked(result: SlotsBooked) -> str:
    mentor = mention(result.mentor_user_id)
    if len(result.sessions) == 1:
        (only,) = result.sessions
        return (
            f"Booked session #{only.session_id} with {mentor} for {when(only.starts_at)}, "
            f"{result.minutes} minutes. You and {mentor} have been told."
        )
    series = ", ".join(f"#{slot.session_id} {timestamp(slot.starts_at)}" for slot in result.sessions)
    return (
        f"Booked {len(result.sessions)} weekly sessions with {mentor}, {result.minutes} minutes each: "
        f"{series}. You and {mentor} have been told."
    )


def moved(result: SessionMoved) -> str:
    return (
        f"Moved session #{result.session_id} from {timestamp(result.was)} to {when(result.starts_at)}; "
        f"its pack stays the same. {mention(result.student_user_id)} and {mention(result.mentor_user_id)} "
        "have been told."
    )


def page(result: SlotsPage) -> str:
    """The text above the menu: whose slots, which week, what to do."""
    mentor = mention(result.opened.mentor_user_id)
    week = f"{timestamp(result.since, 'D')} – {timestamp(result.until - timedelta(days=1), 'D')}"
    head = (
        f"Open slots with {mentor}, {week} (week {result.week + 1} of {result.weeks}, times in {result.zone})"
    )
    if not result.choices:
        return f"{head}: none open this week; try the next week with ▶."
    more = (
        f" {result.more} more open this week are not listed: type a time in /book's when option to find them."
        if result.more
        else ""
    )
    return f"{head}: pick one to book it.{more}"


def session_label(session: SessionView) -> str:
    """A session as /reschedule's ``session`` offers it, as /cancel's does: "alice with mia — Tue 13
    Jan 18:00 UTC (#12)" (choices show no Discord timestamps, so the time is spelled in UTC)."""
    starts = session.starts_at.strftime("%a %d %b %H:%M UTC")
    student = session.student_name or str(session.student_user_id)
    mentor = session.mentor_name or str(session.mentor_user_id)
    return choice_label(f"{student} with {mentor}", f" — {starts} (#{session.session_id})")
