"""The waitlist (R19): a mentor's line (``line``: join, leave, show), the offer a freed seat makes to
the first in line (``offers``), and the student's answer to it (``answer``)."""

from core.waitlist.answer import accept_offer, decline_offer
from core.waitlist.line import join_waitlist, leave_waitlist, waitlist_places
from core.waitlist.offers import free_offered_seats, offer_freed_seats, offer_seats_freed_of, took_seat
from core.waitlist.results import OfferAnswered, Offers, WaitlistJoined, WaitlistLeft, WaitlistPlace

__all__ = [
    "OfferAnswered",
    "Offers",
    "WaitlistJoined",
    "WaitlistLeft",
    "WaitlistPlace",
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
