"""The replies of the seat commands: /mentor add and /mentor remove (R1, R16), /seat move (R16), and
the lists /roster (a mentor's students) and /seats (every mentor's seats), as listings the kit cuts
into pages (R20). Those in grace and those whose pack ends soonest come first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.kit.pages import Block, Listing
from bot.kit.text import AMBER, BLURPLE, bar, name_or, seat_status
from core.domain import PackStatus, SeatStatus
from core.seats import MentorRegistered, MentorRemoved, MentorSeats, Roster, SeatMoved, SeatView
from core.texts import mention, plural, timestamp, when


def mentor_registered(result: MentorRegistered) -> str:
    who = mention(result.mentor_user_id)
    seats = plural(result.capacity, "seat")
    if result.previous_capacity is None:
        return f"{who} is now a mentor with {seats}."
    text = f"{who} now has {seats} (was {result.previous_capacity}); {result.seats_held} held."
    if result.seats_held > result.capacity:
        text += " No one is evicted; no new seat is given until they are below capacity."
    return text


def mentor_removed(result: MentorRemoved) -> str:
    if result.already_removed:
        return f"{mention(result.mentor_user_id)} was already removed; nothing changed."
    return f"Removed {mention(result.mentor_user_id)} as a mentor; /mentor add registers them again."


def seat_moved(result: SeatMoved) -> str:
    student = mention(result.student_user_id)
    if result.already_moved:
        return f"{student}'s seat is already with {mention(result.to_mentor_user_id)}; nothing changed."
    return (
        f"Moved {student}'s seat from {mention(result.from_mentor_user_id)} to "
        f"{mention(result.to_mentor_user_id)}, with {plural(result.packs, 'pack')} and "
        f"{plural(result.booked_sessions, 'booked session')}. All three have been told."
    )


def _student(seat: SeatView) -> str:
    return name_or(seat.student_name, f"Student {seat.student_user_id}")


def _ends(seat: SeatView) -> str:
    ends = [pack.ends_at for pack in seat.packs if pack.status == PackStatus.ACTIVE]
    return f" · ends {timestamp(min(ends), 'D')}" if ends else ""


def _urgency(seat: SeatView) -> tuple[int, datetime, int]:
    """Grace first (soonest deadline first), then the seat whose pack ends soonest, then by age."""
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return (0, seat.grace_ends_at, seat.seat_id)
    ends = [pack.ends_at for pack in seat.packs if pack.status == PackStatus.ACTIVE]
    return (1, min(ends, default=datetime.max.replace(tzinfo=UTC)), seat.seat_id)


def roster(result: Roster) -> Listing:
    """``/roster``: a block per student, in grace or expiring first."""

    def block(seat: SeatView) -> Block:
        upcoming = seat.next_session
        lines = (
            f"{seat_status(seat)} · {plural(seat.sessions_left, 'session')} left{_ends(seat)}",
            f"next: {when(upcoming.starts_at)} (#{upcoming.session_id})" if upcoming else "next: none booked",
        )
        return Block(name_or(seat.student_name, f"Student {seat.student_user_id}"), lines)

    return Listing(
        title="Your students",
        summary=f"{result.seats_held} of {plural(result.capacity, 'seat')} held",
        blocks=tuple(block(seat) for seat in sorted(result.seats, key=_urgency)),
        empty="No student holds a seat with you right now.",
    )


def roster_of(result: Roster, mentor_name: str | None = None) -> Listing:
    """``/roster``, titled with the mentor's name when an admin looks at someone else's."""
    listing = roster(result)
    if mentor_name is None:
        return listing
    return Listing(
        title=f"{name_or(mentor_name, 'Mentor')}'s students",
        summary=listing.summary,
        blocks=listing.blocks,
        empty=f"No student holds a seat with {name_or(mentor_name, 'this mentor')} right now.",
    )


def seat_line(seat: SeatView) -> str:
    """One student under their mentor on /seats: status, sessions left and the deadline that matters."""
    left = plural(seat.sessions_left, "session")
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return f"⏳ {_student(seat)} — in grace until {when(seat.grace_ends_at)} · {left} left"
    return f"✅ {_student(seat)} — {left} left{_ends(seat)}"


def seat_board(boards: Sequence[MentorSeats]) -> Listing:
    """``/seats``: a block per mentor (seats held of capacity) with every student under them, those in
    grace and those whose pack ends soonest first."""
    if not boards:
        return Listing(title="Seats", empty="No mentor is registered yet; add one with /mentor add.")
    held = sum(board.seats_held for board in boards)
    capacity = sum(board.capacity for board in boards)
    grace = sum(len(board.grace_seats) for board in boards)

    def block(board: MentorSeats) -> Block:
        seats_bar = bar(board.seats_held, board.capacity)  # none for a mentor with 0 seats
        shown = f"`{seats_bar}` " if seats_bar else ""
        lines = [f"{shown}{board.seats_held} of {plural(board.capacity, 'seat')} held"]
        lines += [seat_line(seat) for seat in sorted(board.seats, key=_urgency)]
        return Block(name_or(board.mentor_name, f"Mentor {board.mentor_user_id}"), tuple(lines))

    return Listing(
        title="Seats",
        summary=f"{held} of {plural(capacity, 'seat')} held · {grace} in grace",
        blocks=tuple(block(board) for board in boards),
        colour=AMBER if grace else BLURPLE,
    )
