"""Refusals: the typed exceptions a use case raises when it will not act.

Each carries the one sentence the user reads (what is wrong and what to do). A use case raises one
before it writes anything, or its transaction is rolled back, so a refusal never changes anything.
"""

from __future__ import annotations


class Refusal(Exception):
    """A request the rules refuse; ``message`` is the sentence shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(Refusal):
    """The caller may not do this (not the seat's mentor, not an admin)."""


class NotFound(Refusal):
    """What the command names does not exist here (no such session, seat or mentor)."""


class InvalidInput(Refusal):
    """An option is out of range or cannot be read."""


class NoFreeSeat(Refusal):
    """The mentor has no free seat for a new student."""


class NothingToDo(Refusal):
    """There is nothing the command could act on (no session to complete, no pack to book on)."""
