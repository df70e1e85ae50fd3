"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.waitlist.answer import accept_offer, decline_offer
from core.waitlist.line import join_waitlist, leave_waitlist, waitlist_places
from core.waitlist.offers import (
    WAITING,
    free_offered_seats,
    offer_freed_seats,
    offer_seats_freed_of,
    took_seat,
)
from core.waitlist.results import Offers

__all__ = [
    "WAITING",
    "Offers",
    "accept_offer",
    "decline_offer",
    "free_offered_seats",
    "join_waitlist",
    "leave_waitlist",
    "offer_freed_seats",
    "offer_seats_freed_of",
    "took_seat",
    "waitlist_places",
]
