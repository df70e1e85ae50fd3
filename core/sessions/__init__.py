"""Sessions (R3-R6, R10, R16, R18, R21): completing one (``complete``), booking (``schedule``; a
student's own from their mentor's hours, ``book``, with what its menu offers, ``slots_menu``) and
cancelling (``cancel``) and moving (``move``) it, marking a no-show (``noshow``), undoing a completion (``undo``), and the
``session`` options' choices (``choices``). What they share: the session a command names (``lookup``)
and taking a session off a pack with what that owes (``taking``)."""

from core.sessions.book import book_slot
from core.sessions.cancel import cancel_session
from core.sessions.choices import session_choices, undo_choices
from core.sessions.complete import complete_chosen, complete_or_ask, complete_session
from core.sessions.move import move_session
from core.sessions.noshow import noshow_session
from core.sessions.results import (
    BookedSlot,
    CompletedChoice,
    CompletionChoice,
    LateCancelToConfirm,
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    SessionMissed,
    SessionMoved,
    SessionReverted,
    SlotsBooked,
)
from core.sessions.schedule import schedule_session
from core.sessions.slots_menu import SlotChoice, SlotsPage, move_choices, slot_choices, slots_page
from core.sessions.undo import undo_session

__all__ = [
    "BookedSlot",
    "CompletedChoice",
    "CompletionChoice",
    "LateCancelToConfirm",
    "SessionBooked",
    "SessionCancelled",
    "SessionCompleted",
    "SessionMissed",
    "SessionMoved",
    "SessionReverted",
    "SlotChoice",
    "SlotsBooked",
    "SlotsPage",
    "book_slot",
    "cancel_session",
    "complete_chosen",
    "complete_or_ask",
    "complete_session",
    "move_choices",
    "move_session",
    "noshow_session",
    "schedule_session",
    "session_choices",
    "slot_choices",
    "slots_page",
    "undo_choices",
    "undo_session",
]
