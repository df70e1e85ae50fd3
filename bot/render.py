"""How results look in Discord: reply sentences, the lists (as listings that ``bot.pages`` cuts into
pages), bars of sessions used, autocomplete labels.

Pure functions of core's result and view objects. Times are Discord timestamps, which each reader's
client shows in their own time zone (autocomplete labels cannot render them, so they say UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import discord

from bot.pages import Block, Listing
from core.domain import (
    MentorLoad,
    MentorRegistered,
    PackGranted,
    PackStatus,
    PackView,
    PurchaseView,
    Roster,
    SeatStatus,
    SeatView,
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    SessionView,
)
from core.runtime import sweep_summary as sweep_summary  # the runtime logs it; the CLI and demo print it
from core.texts import mention, plural, timestamp, when

BLURPLE = discord.Colour.blurple()
AMBER = discord.Colour.gold()


def bar(used: int, total: int) -> str:
    """■■■□ for 3 of 4 sessions used (long packs are scaled to 12 marks)."""
    if total <= 0:
        return ""
    if total > 12:
        used = round(used * 12 / total)
        total = 12
    return "■" * used + "□" * (total - used)


# ---- replies ---------------------------------------------------------------------------------------


def completed(result: SessionCompleted) -> str:
    student = mention(result.student_user_id)
    if result.already_completed:
        return (
            f"Session {result.number} of {result.total} for {student} was already completed "
            f"{timestamp(result.completed_at, 'R')}; nothing changed."
        )
    text = f"Session {result.number} of {result.total} completed for {student} — {result.left} left."
    if result.grace_ends_at is not None:
        text += f" Their seat is held until {when(result.grace_ends_at)} for them to renew."
    return text


def booked(result: SessionBooked) -> str:
    if result.already_booked:
        return (
            f"Session #{result.session_id} with {mention(result.student_user_id)} for {when(result.starts_at)} "
            "was already booked by this request; nothing changed."
        )
    return (
        f"Booked session #{result.session_id} with {mention(result.student_user_id)} for {when(result.starts_at)}, "
        f"{result.minutes} minutes. They have been told."
    )


def cancelled(result: SessionCancelled) -> str:
    return (
        f"Cancelled session #{result.session_id} with {mention(result.student_user_id)} on "
        f"{timestamp(result.starts_at)}; nothing was taken off their pack. They have been told."
    )


def mentor_registered(result: MentorRegistered) -> str:
    who = mention(result.mentor_user_id)
    seats = plural(result.capacity, "seat")
    if result.previous_capacity is None:
        return f"{who} is now a mentor with {seats}."
    text = f"{who} now has {seats} (was {result.previous_capacity}); {result.seats_held} held."
    if result.seats_held > result.capacity:
        text += " No one is evicted; no new seat is given until they are below capacity."
    return text


def pack_granted(result: PackGranted) -> str:
    if result.already_granted:
        return (
            f"This request already granted {mention(result.student_user_id)} pack #{result.pack_id} "
            f"({plural(result.sessions, 'session')} with {mention(result.mentor_user_id)}); nothing changed."
        )
    text = (
        f"Granted {mention(result.student_user_id)} a pack of {plural(result.sessions, 'session')} with "
        f"{mention(result.mentor_user_id)}, valid until {timestamp(result.ends_at, 'D')}."
    )
    if result.renewed_from_grace:
        text += " Their seat was in grace and is active again."
    elif result.new_seat:
        text += " A new seat was reserved for them."
    else:
        text += f" It joins their seat: {plural(result.sessions_left_on_seat, 'session')} left in all."
    if result.purchase_id is not None:
        text += f" It places purchase #{result.purchase_id}; they have been told."
    return text


# ---- embeds ----------------------------------------------------------------------------------------


def _pack_line(pack: PackView) -> str:
    used = pack.used
    if pack.status == PackStatus.ACTIVE:
        line = f"`{bar(used, pack.total)}` {used} of {pack.total} used · **{pack.left} left**"
        if pack.booked:
            line += f" ({pack.booked} booked)"
        return f"{line} · ends {timestamp(pack.ends_at, 'D')}"
    if pack.status == PackStatus.DEPLETED:
        return f"`{bar(used, pack.total)}` all {pack.total} used"
    forfeited = f", {pack.forfeited} forfeited" if pack.forfeited else ""
    return f"`{bar(used, pack.total)}` expired {timestamp(pack.ends_at, 'D')} · {used} of {pack.total} used{forfeited}"


def _session_lines(sessions: Sequence[SessionView]) -> list[str]:
    return [f"📅 {when(session.starts_at)} · #{session.session_id}" for session in sessions]


def _seat_status(seat: SeatView) -> str:
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return f"⏳ in grace — renew by {when(seat.grace_ends_at)}"
    return "✅ active"


def _name(name: str, fallback: str) -> str:
    """A display name in a list: its own * _ ~ ` | must not turn into markup."""
    return discord.utils.escape_markdown(name) if name else fallback


def _urgency(seat: SeatView) -> tuple[int, datetime, int]:
    """Grace first (soonest deadline first), then the seat whose pack ends soonest, then by age."""
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return (0, seat.grace_ends_at, seat.seat_id)
    ends = [pack.ends_at for pack in seat.packs if pack.status == PackStatus.ACTIVE]
    return (1, min(ends, default=datetime.max.replace(tzinfo=UTC)), seat.seat_id)


def my_sessions(seats: Sequence[SeatView], guild_names: dict[int, str] | None = None) -> Listing:
    """``/mysessions``: a block per seat (mentor, and the server when the list spans servers)."""

    def block(seat: SeatView) -> Block:
        server = (
            f" · {_name(guild_names[seat.guild_id], '')}"
            if guild_names and seat.guild_id in guild_names
            else ""
        )
        lines = [_seat_status(seat)]
        lines += [_pack_line(pack) for pack in seat.packs]
        lines += _session_lines(seat.sessions) or ["No session booked yet."]
        return Block(f"{_name(seat.mentor_name, 'Mentor')}{server}", tuple(lines))

    return Listing(
        title="Your mentorship",
        blocks=tuple(block(seat) for seat in seats),
        empty="You hold no seat with a mentor right now. When an admin records a pack you bought, it shows up here.",
    )


def roster(result: Roster) -> Listing:
    """``/roster``: a block per student, in grace or expiring first."""

    def block(seat: SeatView) -> Block:
        upcoming = seat.next_session
        lines = (
            f"{_seat_status(seat)} · {plural(seat.sessions_left, 'session')} left",
            f"next: {when(upcoming.starts_at)} (#{upcoming.session_id})" if upcoming else "next: none booked",
        )
        return Block(_name(seat.student_name, f"Student {seat.student_user_id}"), lines)

    return Listing(
        title="Your students",
        summary=f"{result.seats_held} of {plural(result.capacity, 'seat')} held",
        blocks=tuple(block(seat) for seat in sorted(result.seats, key=_urgency)),
        empty="No student holds a seat with you right now.",
    )


def seats_overview(loads: Sequence[MentorLoad]) -> Listing:
    """``/seats``: a block per mentor (seats held of capacity), with their students in grace under it."""
    if not loads:
        return Listing(title="Seats", empty="No mentor is registered yet; add one with /mentor add.")
    held = sum(load.seats_held for load in loads)
    capacity = sum(load.capacity for load in loads)
    grace = sum(len(load.grace_seats) for load in loads)

    def block(load: MentorLoad) -> Block:
        seats_bar = bar(load.seats_held, load.capacity)  # none for a mentor with 0 seats
        shown = f"`{seats_bar}` " if seats_bar else ""
        lines = [f"{shown}{load.seats_held} of {plural(load.capacity, 'seat')} held"]
        lines += [
            f"⏳ {_name(seat.student_name, f'Student {seat.student_user_id}')} until {when(seat.grace_ends_at)}"
            for seat in load.grace_seats
            if seat.grace_ends_at is not None
        ]
        return Block(_name(load.mentor_name, f"Mentor {load.mentor_user_id}"), tuple(lines))

    return Listing(
        title="Seats",
        summary=f"{held} of {plural(capacity, 'seat')} held · {grace} in grace",
        blocks=tuple(block(load) for load in loads),
        colour=AMBER if grace else BLURPLE,
    )


def session_label(session: SessionView) -> str:
    """An autocomplete choice: Discord shows these as plain text, so the time is spelled in UTC."""
    starts = session.starts_at.strftime("%a %d %b %H:%M UTC")
    name = session.student_name or str(session.student_user_id)
    return f"#{session.session_id} · {name} · {starts} · pack #{session.pack_id}"[:100]


def purchase_label(purchase: PurchaseView, buyer_name: str) -> str:
    """An unplaced purchase as ``/pack grant``'s ``purchase`` option offers it (plain text, UTC)."""
    bought = purchase.bought_at.strftime("%a %d %b %H:%M UTC")
    return f"#{purchase.purchase_id} · bought by {buyer_name} · {bought}"[:100]
