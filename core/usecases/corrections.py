"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.packs.choices import pack_choices
from core.packs.extend import extend_pack
from core.packs.revoke import revoke_pack
from core.seats.mentors import remove_mentor
from core.seats.move import move_seat
from core.sessions.choices import undo_choices
from core.sessions.complete import complete_chosen, complete_or_ask
from core.sessions.undo import undo_session
from core.waitlist.offers import seat_freed

__all__ = [
    "complete_chosen",
    "complete_or_ask",
    "extend_pack",
    "move_seat",
    "pack_choices",
    "remove_mentor",
    "revoke_pack",
    "seat_freed",
    "undo_choices",
    "undo_session",
]
