"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.bounds import MAX_SESSION_MINUTES, MIN_SESSION_MINUTES
from core.packs import grant_pack
from core.purchases import grant_purchase, mark_consumed, record_purchase, unplaced_purchases
from core.seats import register_mentor
from core.sessions import cancel_session, complete_session, schedule_session

__all__ = [
    "MAX_SESSION_MINUTES",
    "MIN_SESSION_MINUTES",
    "cancel_session",
    "complete_session",
    "grant_pack",
    "grant_purchase",
    "mark_consumed",
    "record_purchase",
    "register_mentor",
    "schedule_session",
    "unplaced_purchases",
]
