"""The words the bot says in DMs, and the Discord markup helpers they use (mentions, timestamps).

Pure functions of their arguments. Timestamps use Discord's ``<t:UNIX:STYLE>`` markup, which every
client renders in its reader's own time zone. The renewal sentences are the spec's, with the hours taken
from the policy.
"""

from __future__ import annotations

from datetime import datetime

from core.domain import Policy


def mention(user_id: int) -> str:
    return f"<@{user_id}>"


def timestamp(moment: datetime, style: str = "F") -> str:
    """Discord timestamp markup: F = full date and time, R = relative ("in 3 hours"), f, D, t ..."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when(moment: datetime) -> str:
    return f"{timestamp(moment, 'F')} ({timestamp(moment, 'R')})"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _all_sessions(total: int) -> str:
    if total == 1:
        return "Your session"
    if total == 2:
        return "Both sessions"
    return f"All {total} sessions"


def one_left(mentor_user_id: int, number: int, total: int) -> str:
    return (
        "You have 1 session remaining. Renew now to continue.\n"
        f"Session {number} of {total} with {mention(mentor_user_id)} is done."
    )


def one_left_after_missed(mentor_user_id: int, used: int, total: int) -> str:
    """*One left* when the session taken was missed (R18), not done."""
    return (
        "You have 1 session remaining. Renew now to continue.\n"
        f"{used} of {total} sessions with {mention(mentor_user_id)} are used."
    )


def pack_complete(policy: Policy, mentor_user_id: int, total: int, grace_ends_at: datetime) -> str:
    return (
        f"Your pack is complete. Renew within {policy.grace_period_hours} hours to keep your seat.\n"
        f"{_all_sessions(total)} with {mention(mentor_user_id)} {'is' if total == 1 else 'are'} done; "
        f"your seat is held until {when(grace_ends_at)}."
    )


def final_warning(mentor_user_id: int, grace_ends_at: datetime, hours_left: int) -> str:
    """``hours_left``: the hours truly left when it is queued (the settings' hours when on time)."""
    return (
        f"Your seat will be released in {plural(hours_left, 'hour')}. "
        "Renew now to keep your mentorship active.\n"
        f"Your seat with {mention(mentor_user_id)} is held until {when(grace_ends_at)}."
    )


def seat_released(mentor_user_id: int) -> str:
    return f"Your seat with {mention(mentor_user_id)} has been released."


def seat_released_mentor(student_user_id: int, seats_held: int, capacity: int) -> str:
    return (
        f"The seat of {mention(student_user_id)} with you has been released. "
        f"You now hold {seats_held} of {plural(capacity, 'seat')}."
    )


def grace_started(student_user_id: int, grace_ends_at: datetime) -> str:
    return (
        f"{mention(student_user_id)} has completed their last session with you. Their seat is held until "
        f"{when(grace_ends_at)} for them to renew."
    )


def expiry_warning(mentor_user_id: int, left: int, booked: int, ends_at: datetime) -> str:
    unbooked = left - booked
    booked_note = f" ({booked} booked)" if booked else ""
    return (
        f"Your pack with {mention(mentor_user_id)} ends {when(ends_at)} with "
        f"{plural(left, 'session')} left{booked_note}. "
        f"{plural(unbooked, 'session')} not booked by then will be forfeited."
    )


def session_booked(mentor_user_id: int, starts_at: datetime, minutes: int) -> str:
    return f"{mention(mentor_user_id)} booked a {minutes}-minute session with you for {when(starts_at)}."


def session_cancelled(mentor_user_id: int, starts_at: datetime) -> str:
    return (
        f"Your session with {mention(mentor_user_id)} on {timestamp(starts_at)} was cancelled. "
        "It was not taken off your pack."
    )


def session_reminder(mentor_user_id: int, starts_at: datetime, minutes: int) -> str:
    return f"Reminder: your {minutes}-minute session with {mention(mentor_user_id)} is {when(starts_at)}."


def no_show(mentor_user_id: int, starts_at: datetime, taken: bool, left: int) -> str:
    taken_note = (
        f"It was taken off your pack: {plural(left, 'session')} left."
        if taken
        else f"It was not taken off your pack: {plural(left, 'session')} left."
    )
    return (
        f"You were marked as not attending your session with {mention(mentor_user_id)} on "
        f"{timestamp(starts_at)}. {taken_note}"
    )


def late_cancel(mentor_user_id: int, starts_at: datetime, hours: int, left: int) -> str:
    return (
        f"You cancelled your session with {mention(mentor_user_id)} on {timestamp(starts_at)} less than "
        f"{plural(hours, 'hour')} before it started, so it was taken off your pack: "
        f"{plural(left, 'session')} left."
    )


def waitlist_offer(policy: Policy, mentor_user_id: int, offer_ends_at: datetime) -> str:
    """R19: the offer; how to take it follows the server's settings (a button to buy a pack, R17)."""
    buy = " or buy a pack with the button below" if policy.renewal_sku_id or policy.renew_url else ""
    return (
        f"A seat with {mention(mentor_user_id)} is free, and it is held for you until {when(offer_ends_at)}. "
        f"Press Accept and an admin will grant you a pack for it{buy}; press Decline to pass it to the "
        "next in line. If you do neither, it goes to the next in line when the hold runs out."
    )


def waitlist_accepted(student_user_id: int, mentor_user_id: int, offer_ends_at: datetime) -> str:
    return (
        f"{mention(student_user_id)} accepted the seat offered with {mention(mentor_user_id)} from the "
        f"waitlist. Grant them a pack with /pack grant before {when(offer_ends_at)}, when the hold runs out."
    )


def dm_failed(
    student_user_id: int,
    body: str,
    fallback_posted: bool,
    *,
    no_mutual_server: bool = False,
    fallback_failed: bool = False,
) -> str:
    if fallback_posted:
        where = "so I mentioned them in the fallback channel instead"
    elif fallback_failed:
        where = "and I could not post in the fallback channel either"
    else:
        where = "and there is no fallback channel"
    why = "they share no server with me" if no_mutual_server else "their DMs are closed"
    quoted = "\n".join(f"> {line}" for line in body.splitlines())
    return f"I could not DM {mention(student_user_id)} ({why}), {where}. The message was:\n{quoted}"
