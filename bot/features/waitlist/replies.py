"""The replies of /waitlist join, /waitlist leave and /waitlist show (R19), and of Accept and Decline
on a waitlist offer."""

from __future__ import annotations

from collections.abc import Sequence

from bot.kit.pages import Block, Listing
from core.domain import WaitlistStatus
from core.texts import mention, when
from core.waitlist import OfferAnswered, WaitlistJoined, WaitlistLeft, WaitlistPlace


def joined(result: WaitlistJoined) -> str:
    place = result.place
    return (
        f"You are #{place.position} in {mention(place.mentor_user_id)}'s line. When a seat frees up and it "
        "is your turn, I'll DM you an offer."
    )


def left(result: WaitlistLeft) -> str:
    extra = " The seat held for you goes to the next in line." if result.offer_released else ""
    return f"You left {mention(result.mentor_user_id)}'s line.{extra}"


def _place_line(place: WaitlistPlace) -> str:
    name = place.student_name or f"Student {place.student_user_id}"
    text = f"#{place.position} {name} ({mention(place.student_user_id)})"
    if place.status == WaitlistStatus.OFFERED and place.offer_ends_at is not None:
        text += f" · seat offered, held until {when(place.offer_ends_at)}"
    return text


def listing(places: Sequence[WaitlistPlace]) -> Listing:
    lines: dict[int, list[str]] = {}
    for place in places:
        lines.setdefault(place.mentor_user_id, []).append(_place_line(place))
    return Listing(
        title="Waitlist",
        blocks=tuple(Block(f"Mentor {mention(mentor)}", tuple(rows)) for mentor, rows in lines.items()),
        empty="No one is waiting here; join a full mentor's line with /waitlist join.",
    )


def answered(result: OfferAnswered) -> str:
    mentor = mention(result.mentor_user_id)
    if not result.accepted:
        return f"You declined the seat with {mentor}; it goes to the next in line."
    if result.already:
        return f"You already accepted the seat with {mentor}; it is held for you until {when(result.offer_ends_at)}."
    return (
        f"Accepted: the seat with {mentor} is held for you until {when(result.offer_ends_at)}. "
        "The admins have been told to grant you a pack."
    )
