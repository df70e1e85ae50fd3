"""The words the bot says in DMs (the Discord markup helpers they use live in ``core.markup``).

Pure functions of their arguments. Timestamps use Discord's ``<t:UNIX:STYLE>`` markup, which every
client renders in its reader's own time zone. The renewal sentences are the spec's, with the hours taken
from the policy of the notification's server (``tx.policy_for(guild_id)``), never the environment's.

The style of every DM (new kinds too):
- Write people as ``mention(user_id)`` only. The sender (``bot.kit.delivery``) writes each one's display
  name in that server beside the mention ("**Mia** (<@42>)"): in a DM a mention of someone the
  reader's client has not loaded shows as a bare id. Names come from the member cache, else from what
  core recorded (``mentors.display_name``, ``seats.student_name``; ``core.letterhead``).
- Do not name the server: the sender heads every DM with "From **<server>**:", the name it knows at
  send time, so core stays free of Discord.
- Do not write how to renew: the sender adds the server's way (the premium button, the renew link
  button, else "To renew, ask an admin of **<server>**.") to every kind in ``RENEWAL_KINDS``.
- Times as ``when(moment)`` or ``timestamp(moment)`` (each reader's client counts those itself).
  A text that counts time to a deadline in words ("within 62 hours") is a ``Deferred`` text, written
  again when it is sent (see "texts written when they are sent" below), never a count fixed when queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core import markup
from core.domain import Policy

# The markup and the texts written when they are sent live in core.markup; they are read as texts' too.
Deferred = markup.Deferred
DEFERRED, deferred, render_stored = markup.DEFERRED, markup.deferred, markup.render_stored
hours_left, mention, plural, timestamp, when = (
    markup.hours_left,
    markup.mention,
    markup.plural,
    markup.timestamp,
    markup.when,
)


def _all_sessions(total: int) -> str:
    if total == 1:
        return "Your session"
    if total == 2:
        return "Both sessions"
    return f"All {total} sessions"


def _missed_note(missed: int) -> str:
    return f" ({missed} missed)" if missed else ""


def one_left(mentor_user_id: int, number: int, total: int, missed: int = 0) -> str:
    """``missed``: sessions of the pack a no-show or late cancel took (R18), neither done nor left."""
    return (
        "You have 1 session remaining. Renew now to continue.\n"
        f"Session {number} of {total} with {mention(mentor_user_id)} is done{_missed_note(missed)}."
    )


def one_left_after_missed(mentor_user_id: int, used: int, total: int) -> str:
    """*One left* when the session taken was missed (R18), not done."""
    return (
        "You have 1 session remaining. Renew now to continue.\n"
        f"{used} of {total} sessions with {mention(mentor_user_id)} are used."
    )


def pack_complete(mentor_user_id: int, total: int, grace_ends_at: datetime, missed: int = 0) -> Deferred:
    """*Pack complete*, its hours to renew counted at send time to ``grace_ends_at``."""
    return Deferred(
        "pack_complete_at",
        {"mentor_user_id": mentor_user_id, "total": total, "grace_ends_at": grace_ends_at, "missed": missed},
    )


@deferred
def pack_complete_at(
    now: datetime, mentor_user_id: int, total: int, grace_ends_at: datetime, missed: int
) -> str:
    if missed:
        done = (
            f"Your {plural(total, 'session')} with {mention(mentor_user_id)} {'is' if total == 1 else 'are'} used "
            f"({total - missed} done, {missed} missed)"
        )
    else:
        done = f"{_all_sessions(total)} with {mention(mentor_user_id)} {'is' if total == 1 else 'are'} done"
    return (
        f"Your pack is complete. Renew within {plural(hours_left(grace_ends_at, now), 'hour')} to keep "
        "your seat.\n"
        f"{done}; your seat is held until {when(grace_ends_at)}."
    )


def final_warning(mentor_user_id: int, grace_ends_at: datetime) -> Deferred:
    """The final warning, its hours counted at send time: the true hours left when it goes out late."""
    return Deferred("final_warning_at", {"mentor_user_id": mentor_user_id, "grace_ends_at": grace_ends_at})


@deferred
def final_warning_at(now: datetime, mentor_user_id: int, grace_ends_at: datetime) -> str:
    return (
        f"Your seat will be released in {plural(hours_left(grace_ends_at, now), 'hour')}. "
        "Renew now to keep your mentorship active.\n"
        f"Your seat with {mention(mentor_user_id)} is held until {when(grace_ends_at)}."
    )


# Why the sweep released a seat (R9), as ``seat_released`` and ``seat_released_mentor`` say it.
GRACE_ENDED, PACK_EXPIRED = "grace", "expired"


def _released_why(whose: str, why: str, unused: int, ended_at: datetime | None) -> str:
    """The sentence that says why a seat was released: ``whose`` is "Your" or "Their"."""
    if why == GRACE_ENDED:
        return f" {whose} grace period ended without a renewal."
    if why == PACK_EXPIRED and ended_at is not None:
        ended = f"{whose} pack expired on {timestamp(ended_at, 'D')}"
        return f" {ended} with {plural(unused, 'session')} unused." if unused else f" {ended}."
    return ""


def seat_released(
    mentor_user_id: int, why: str = "", unused: int = 0, ended_at: datetime | None = None
) -> str:
    """``why``: ``GRACE_ENDED``, or ``PACK_EXPIRED`` with the ``unused`` sessions of the pack that
    ended at ``ended_at``."""
    return (
        f"Your seat with {mention(mentor_user_id)} has been released."
        f"{_released_why('Your', why, unused, ended_at)}"
    )


def seat_released_mentor(
    student_user_id: int,
    seats_held: int,
    capacity: int,
    why: str = "",
    unused: int = 0,
    ended_at: datetime | None = None,
) -> str:
    return (
        f"The seat of {mention(student_user_id)} with you has been released."
        f"{_released_why('Their', why, unused, ended_at)} "
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


def _times(starts: Sequence[datetime]) -> str:
    """The times of a weekly series, each a Discord timestamp."""
    return ", ".join(timestamp(moment) for moment in starts)


def session_self_booked(mentor_user_id: int, starts: Sequence[datetime], minutes: int) -> str:
    """R21: the student booked one slot (or a weekly series) themselves."""
    if len(starts) == 1:
        return f"You booked a {minutes}-minute session with {mention(mentor_user_id)} for {when(starts[0])}."
    return (
        f"You booked {len(starts)} weekly {minutes}-minute sessions with {mention(mentor_user_id)}: "
        f"{_times(starts)}."
    )


def session_booked_mentor(student_user_id: int, starts: Sequence[datetime], minutes: int) -> str:
    """R21: to the mentor, when their student booked one of their slots (or a weekly series)."""
    if len(starts) == 1:
        return f"{mention(student_user_id)} booked a {minutes}-minute session with you for {when(starts[0])}."
    return (
        f"{mention(student_user_id)} booked {len(starts)} weekly {minutes}-minute sessions with you: "
        f"{_times(starts)}."
    )


def session_moved(mentor_user_id: int, was: datetime, starts_at: datetime) -> str:
    """R21: to the student, when their session moved (they, their mentor or an admin moved it)."""
    return f"Your session with {mention(mentor_user_id)} on {timestamp(was)} has moved to {when(starts_at)}."


def session_moved_mentor(student_user_id: int, was: datetime, starts_at: datetime) -> str:
    """R21: to the mentor, when the student moved their session."""
    return (
        f"{mention(student_user_id)} moved their session with you on {timestamp(was)} to {when(starts_at)}."
    )


def session_cancelled_mentor(student_user_id: int, starts_at: datetime, late_hours: int | None = None) -> str:
    """R21: to the mentor, when the student cancelled (``late_hours``: a late cancel, R18)."""
    late = (
        f" It was less than {plural(late_hours, 'hour')} before the start, so it was taken off their pack."
        if late_hours
        else ""
    )
    return f"{mention(student_user_id)} cancelled their session with you on {timestamp(starts_at)}.{late}"


def session_reminder_mentor(student_user_id: int, starts_at: datetime, minutes: int) -> str:
    return f"Reminder: your {minutes}-minute session with {mention(student_user_id)} is {when(starts_at)}."


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
    sells = policy.renewal_sku_id or policy.renew_url or policy.stripe_link is not None
    buy = " or buy a pack with the button below" if sells else ""
    return (
        f"A seat with {mention(mentor_user_id)} is free, and it is held for you until {when(offer_ends_at)}. "
        f"Press Accept and an admin will grant you a pack for it{buy}; press Decline to pass it to the "
        "next in line. If you do neither, it goes to the next in line when the hold runs out."
    )


def waitlist_closed(mentor_user_id: int) -> str:
    return (
        f"{mention(mentor_user_id)} is no longer a mentor here, so their waitlist is closed and your place "
        "in it is gone. Ask an admin about a seat with another mentor."
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


# ---- corrections (R16) -------------------------------------------------------------------------------


def session_reverted(
    mentor_user_id: int, session_at: datetime, reason: str, left: int, total: int, forfeited: bool
) -> str:
    back = (
        "Its pack had ended, so the session counts as forfeited."
        if forfeited
        else f"It was given back to your pack: {left} of {total} left."
    )
    return (
        f"Your session with {mention(mentor_user_id)} on {timestamp(session_at)} is no longer counted as "
        f"completed: {reason}\n{back}"
    )


def session_cancelled_refund(mentor_user_id: int, starts_at: datetime) -> str:
    return (
        f"Your session with {mention(mentor_user_id)} on {timestamp(starts_at)} was cancelled: "
        "its pack was refunded."
    )


def seat_released_refund(mentor_user_id: int, reason: str) -> str:
    return f"{seat_released(mentor_user_id)} Your pack was refunded: {reason}"


def seat_released_mentor_refund(student_user_id: int, reason: str, seats_held: int, capacity: int) -> str:
    return f"{seat_released_mentor(student_user_id, seats_held, capacity)} Their pack was refunded: {reason}"


def pack_revoked(mentor_user_id: int, forfeited: int, reason: str) -> str:
    return (
        f"Your pack with {mention(mentor_user_id)} was refunded: {reason}\n"
        f"Its {plural(forfeited, 'unused session')} {'is' if forfeited == 1 else 'are'} forfeited."
    )


def pack_revoked_mentor(student_user_id: int, forfeited: int, reason: str) -> str:
    return (
        f"A pack of {mention(student_user_id)} with you was refunded: {reason}\n"
        f"Its {plural(forfeited, 'unused session')} {'is' if forfeited == 1 else 'are'} forfeited."
    )


def seat_moved(from_mentor_user_id: int, to_mentor_user_id: int) -> str:
    return (
        f"Your seat with {mention(from_mentor_user_id)} moved to {mention(to_mentor_user_id)}: your packs and "
        f"booked sessions are now with {mention(to_mentor_user_id)}."
    )


def seat_moved_away(student_user_id: int, to_mentor_user_id: int) -> str:
    return (
        f"The seat of {mention(student_user_id)} moved from you to {mention(to_mentor_user_id)}, with their "
        "packs and booked sessions."
    )


def seat_moved_here(student_user_id: int, from_mentor_user_id: int, left: int, booked: int) -> str:
    return (
        f"{mention(student_user_id)} moved to you from {mention(from_mentor_user_id)}, with "
        f"{plural(left, 'session')} left ({booked} booked)."
    )


# ---- R17: purchases ---------------------------------------------------------------------------------


def purchase_placed(mentor_user_id: int, sessions: int, ends_at: datetime, renewed_from_grace: bool) -> str:
    kept = " Your seat is yours again: it is no longer in grace." if renewed_from_grace else ""
    return (
        f"Thank you for your purchase: a pack of {plural(sessions, 'session')} with "
        f"{mention(mentor_user_id)} is on your seat, valid until {timestamp(ends_at, 'D')}.{kept}"
    )


def purchase_unplaced(purchase_id: int) -> str:
    return (
        f"Thank you for your purchase (#{purchase_id}). You hold no seat with a mentor here, so it is "
        "kept for you: an admin will place it with a mentor and you will be told."
    )


def purchase_unplaced_admins(purchase_id: int, buyer_user_id: int) -> str:
    return (
        f"{mention(buyer_user_id)} bought a pack (purchase #{purchase_id}) but holds no seat to put it on. "
        f"Place it with /pack grant student:{mention(buyer_user_id)} mentor:… purchase:#{purchase_id}."
    )
