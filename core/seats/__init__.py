"""Mentors and their seats: registering and removing mentors (``mentors``), the seat a new pack goes
on (``placement``), moving a seat to another mentor (``move``), finding the seat a command acts on
(``lookup``), and the read models of seats (``views``: ``/mysessions``, ``/roster``, ``/seats``)."""

from core.seats.mentors import register_mentor, remove_mentor
from core.seats.move import move_seat
from core.seats.results import (
    MentorRegistered,
    MentorRemoved,
    MentorSeats,
    PackView,
    Roster,
    SeatMoved,
    SeatView,
    SessionView,
)
from core.seats.views import my_seats, roster, roster_of, seat_board

__all__ = [
    "MentorRegistered",
    "MentorRemoved",
    "MentorSeats",
    "PackView",
    "Roster",
    "SeatMoved",
    "SeatView",
    "SessionView",
    "move_seat",
    "my_seats",
    "register_mentor",
    "remove_mentor",
    "roster",
    "roster_of",
    "seat_board",
]
