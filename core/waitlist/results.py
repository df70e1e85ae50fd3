"""What the waitlist (R19) returns: a place in a mentor's line, joining and leaving it, the answer to
an offer, and the seats a freed seat was offered as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import WaitlistStatus


@dataclass(frozen=True, slots=True)
class WaitlistPlace:
    """A student's place in a mentor's line (R19): ``position`` 1 is next."""

    entry_id: int
    mentor_user_id: int
    student_user_id: int
    student_name: str
    position: int
    status: WaitlistStatus
    joined_at: datetime
    offer_ends_at: datetime | None = None
    seat_id: int | None = None


@dataclass(frozen=True, slots=True)
class WaitlistJoined:
    place: WaitlistPlace


@dataclass(frozen=True, slots=True)
class WaitlistLeft:
    mentor_user_id: int
    student_user_id: int
    # Leaving with an offer frees the held seat for the next in line.
    offer_released: bool = False
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OfferAnswered:
    """R19: Accept (the hold is kept, the admins told) or Decline (the seat goes to the next in line)."""

    seat_id: int
    mentor_user_id: int
    student_user_id: int
    accepted: bool
    offer_ends_at: datetime
    already: bool = False  # the same answer given before: nothing changed
    notification_ids: tuple[int, ...] = ()
    # Accept, where the server sells packs (R17, R23): the way to buy, and no note to the admins.
    renewal_sku_id: int | None = None
    payment_link: str | None = None
    # Accept elsewhere: the admins were told in this channel (None: the server's owner, by DM).
    fallback_channel_id: int | None = None
    guild_id: int = 0


@dataclass(frozen=True, slots=True)
class Offers:
    """What ``offer_freed_seats`` did: the seats it offered and the DMs it queued."""

    seat_ids: tuple[int, ...] = ()
    notification_ids: tuple[int, ...] = ()
