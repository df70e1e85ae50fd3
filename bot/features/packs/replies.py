"""The replies of /pack grant, /pack extend and /pack revoke, and the labels of the ``pack`` and
``purchase`` choices (plain text, so their times are the UTC ones)."""

from __future__ import annotations

from bot.kit.text import choice_label
from core.domain import PackStatus
from core.packs import PackChoice, PackExtended, PackGranted, PackRevoked
from core.purchases import PurchaseView
from core.texts import mention, plural, timestamp, when


def pack_granted(result: PackGranted) -> str:
    if result.already_granted:
        return (
            f"This request already granted {mention(result.student_user_id)} pack #{result.pack_id} "
            f"({plural(result.sessions, 'session')} with {mention(result.mentor_user_id)}); nothing changed."
        )
    text = (
        f"Granted {mention(result.student_user_id)} a pack of {plural(result.sessions, 'session')} with "
        f"{mention(result.mentor_user_id)}, valid until {timestamp(result.ends_at, 'D')}."
    )
    if result.renewed_from_grace:
        text += " Their seat was in grace and is active again."
    elif result.new_seat:
        text += " A new seat was reserved for them."
    else:
        text += f" It joins their seat: {plural(result.sessions_left_on_seat, 'session')} left in all."
    if result.purchase_id is not None:
        text += f" It places purchase #{result.purchase_id}; they have been told."
    return text


def pack_extended(result: PackExtended) -> str:
    pack = (
        f"Pack #{result.pack_id} of {mention(result.student_user_id)} with {mention(result.mentor_user_id)}"
    )
    if result.already_extended:
        return f"{pack} was already extended by this request to {when(result.ends_at)}; nothing changed."
    back = (
        f" It is active again, with {plural(result.sessions_restored, 'forfeited session')} back."
        if result.reactivated
        else ""
    )
    return f"{pack} now ends {when(result.ends_at)}.{back}"


def pack_revoked(result: PackRevoked) -> str:
    pack = (
        f"Pack #{result.pack_id} of {mention(result.student_user_id)} with {mention(result.mentor_user_id)}"
    )
    if result.already_revoked:
        return f"{pack} was already revoked; nothing changed."
    cancelled = (
        f", {plural(len(result.cancelled_sessions), 'booked session')} cancelled"
        if result.cancelled_sessions
        else ""
    )
    seat = (
        " Their seat was released at once."
        if result.seat_released
        else " They keep their seat with their other pack."
    )
    return (
        f"Revoked p{pack[1:]}: {plural(result.forfeited, 'unused session')} forfeited{cancelled}.{seat} "
        "They have been told."
    )


def pack_choice_label(choice: PackChoice) -> str:
    """A ``pack`` autocomplete choice, e.g. "alice with mia — 3 of 4 left, ends Tue 13 Jan 2026 (#12)";
    a pack no longer active says its state ("expired Tue 13 Jan 2026, 2 of 4 left", "depleted",
    "revoked"). Plain text, so the date is the UTC one; the number stays whole."""
    student = choice.student_name or "a student"
    mentor = choice.mentor_name or "a mentor"
    day = choice.ends_at.strftime("%a %d %b %Y")
    if choice.status == PackStatus.ACTIVE:
        state = f"{choice.left} of {choice.total} left, ends {day}"
    elif choice.status == PackStatus.EXPIRED:
        state = f"expired {day}, {choice.left} of {choice.total} left"
    else:
        state = choice.status.value
    return choice_label(f"{student} with {mentor}", f" — {state} (#{choice.pack_id})")


def purchase_label(purchase: PurchaseView, buyer_name: str) -> str:
    """An unplaced purchase as ``/pack grant``'s ``purchase`` option offers it (plain text, UTC)."""
    bought = purchase.bought_at.strftime("%a %d %b %H:%M UTC")
    if purchase.email:
        buyer_name = f"{buyer_name} <{purchase.email}>" if purchase.buyer_user_id else purchase.email
    return f"#{purchase.purchase_id} · bought by {buyer_name} · {bought}"[:100]
