"""How results look in Discord: reply sentences, embeds, bars of sessions used, autocomplete labels.

Pure functions of core's result and view objects. Times are Discord timestamps, which each reader's
client shows in their own time zone (autocomplete labels cannot render them, so they say UTC).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord

from core.domain import (
    MentorLoad,
    MentorRegistered,
    PackGranted,
    PackStatus,
    PackView,
    Roster,
    SeatStatus,
    SeatView,
    SessionBooked,
    SessionCancelled,
    SessionCompleted,
    SessionView,
    SweepReport,
)
from core.texts import mention, plural, timestamp, when

BLURPLE = discord.Colour.blurple()
AMBER = discord.Colour.gold()
MAX_FIELDS = 25


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


def _session_lines(sessions: Sequence[SessionView], limit: int = 5) -> list[str]:
    lines = [f"📅 {when(session.starts_at)} · #{session.session_id}" for session in sessions[:limit]]
    if len(sessions) > limit:
        lines.append(f"… and {len(sessions) - limit} more")
    return lines


def _seat_status(seat: SeatView) -> str:
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return f"⏳ in grace — renew by {when(seat.grace_ends_at)}"
    return "✅ active"


def _fields(
    embed: discord.Embed, items: Sequence[object], field: Callable[[object], tuple[str, str]]
) -> None:
    shown = items[: MAX_FIELDS - 1] if len(items) > MAX_FIELDS else items
    for item in shown:
        name, value = field(item)
        embed.add_field(name=name[:256], value=value[:1024] or "—", inline=False)
    if len(items) > len(shown):
        embed.add_field(name="…", value=f"and {len(items) - len(shown)} more", inline=False)


def my_sessions(seats: Sequence[SeatView], guild_names: dict[int, str] | None = None) -> discord.Embed:
    embed = discord.Embed(title="Your mentorship", colour=BLURPLE)
    if not seats:
        embed.description = "You hold no seat with a mentor right now. When an admin records a pack you bought, it shows up here."
        return embed

    def field(item: object) -> tuple[str, str]:
        assert isinstance(item, SeatView)
        server = f" · {guild_names[item.guild_id]}" if guild_names and item.guild_id in guild_names else ""
        lines = [f"with {mention(item.mentor_user_id)} · {_seat_status(item)}"]
        lines += [_pack_line(pack) for pack in item.packs]
        lines += _session_lines(item.sessions) or ["No session booked yet."]
        return f"{item.mentor_name or 'Mentor'}{server}", "\n".join(lines)

    _fields(embed, seats, field)
    return embed


def roster(result: Roster) -> discord.Embed:
    embed = discord.Embed(
        title="Your students",
        description=f"{result.seats_held} of {plural(result.capacity, 'seat')} held",
        colour=BLURPLE,
    )
    if not result.seats:
        embed.description = (embed.description or "") + "\nNo student holds a seat with you right now."
        return embed

    def field(item: object) -> tuple[str, str]:
        assert isinstance(item, SeatView)
        left = item.sessions_left
        lines = [f"{mention(item.student_user_id)} · {_seat_status(item)} · {plural(left, 'session')} left"]
        upcoming = item.next_session
        lines.append(
            f"next: {when(upcoming.starts_at)} (#{upcoming.session_id})" if upcoming else "next: none booked"
        )
        return item.student_name or f"Student {item.student_user_id}", "\n".join(lines)

    _fields(embed, result.seats, field)
    return embed


def seats_overview(loads: Sequence[MentorLoad]) -> discord.Embed:
    embed = discord.Embed(title="Seats", colour=BLURPLE)
    if not loads:
        embed.description = "No mentor is registered yet; add one with /mentor add."
        return embed
    held = sum(load.seats_held for load in loads)
    capacity = sum(load.capacity for load in loads)
    grace = sum(len(load.grace_seats) for load in loads)
    embed.description = f"{held} of {plural(capacity, 'seat')} held · {grace} in grace"
    if grace:
        embed.colour = AMBER

    def field(item: object) -> tuple[str, str]:
        assert isinstance(item, MentorLoad)
        seats_bar = bar(item.seats_held, item.capacity)  # none for a mentor with 0 seats
        shown = f"`{seats_bar}` " if seats_bar else ""
        lines = [f"{mention(item.mentor_user_id)} · {shown}{item.seats_held} of {item.capacity}"]
        lines += [
            f"⏳ {mention(seat.student_user_id)} until {when(seat.grace_ends_at)}"
            for seat in item.grace_seats
            if seat.grace_ends_at is not None
        ]
        return item.mentor_name or f"Mentor {item.mentor_user_id}", "\n".join(lines)

    _fields(embed, loads, field)
    return embed


def session_label(session: SessionView) -> str:
    """An autocomplete choice: Discord shows these as plain text, so the time is spelled in UTC."""
    starts = session.starts_at.strftime("%a %d %b %H:%M UTC")
    name = session.student_name or str(session.student_user_id)
    return f"#{session.session_id} · {name} · {starts} · pack #{session.pack_id}"[:100]


def sweep_summary(report: SweepReport) -> str:
    """What a sweep did, with the ids, on one line (for the log, `mentorbot sweep` and the demo)."""
    parts = [
        f"{label}: {', '.join(str(item) for item in ids)}"
        for label, ids in (
            ("packs expired", report.expired_packs),
            ("seats released", report.released_seats),
            ("final warnings for seats", report.final_warnings),
            ("expiry warnings for packs", report.expiry_warnings),
            ("reminders for sessions", report.session_reminders),
            ("notifications queued", report.notification_ids),
        )
        if ids
    ]
    return "; ".join(parts) or "nothing due"
