"""The replies of /waitlist join, /waitlist leave and /waitlist show (R19), and of Accept and Decline
on a waitlist offer."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.kit.delivery import buyer_link
from bot.kit.pages import Block, Listing
from bot.kit.text import Reply
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


def buy_button(result: OfferAnswered) -> discord.ui.View | None:
    """The way this server sells packs (R17 the premium button, R23 the Stripe Payment Link naming the
    buyer), or None when it sells none."""
    if result.renewal_sku_id is not None:
        item = discord.ui.Button[discord.ui.View](
            style=discord.ButtonStyle.premium, sku_id=result.renewal_sku_id
        )
    elif result.payment_link:
        url = buyer_link(result.payment_link, result.guild_id, result.student_user_id)
        item = discord.ui.Button(label="Buy a pack", url=url)
    else:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(item)
    return view


def answered(result: OfferAnswered) -> str | Reply:
    mentor = mention(result.mentor_user_id)
    if not result.accepted:
        return f"You declined the seat with {mentor}; it goes to the next in line."
    held = f"the seat with {mentor} is held for you until {when(result.offer_ends_at)}"
    view = buy_button(result)
    if result.already and view is None:
        return f"You already accepted: {held}."
    if view is not None:
        return Reply(f"Accepted: {held}. Buy a pack with the button below to take it.", view)
    if result.fallback_channel_id is not None:
        told = f"The admins have been told in <#{result.fallback_channel_id}> to grant you a pack."
    else:
        told = "The server's owner has been told by DM to grant you a pack."
    return f"Accepted: {held}. {told}"
