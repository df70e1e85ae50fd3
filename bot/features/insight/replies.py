"""What the insight commands show: /mysessions (live seats, seats released lately with why and how
to renew, places in line), /student (seats, packs, sessions and the last changes), the /export reply
and the /report embed. Lists are listings the kit cuts into pages (R20).

Pure functions of core's view objects. Times are Discord timestamps, which each reader's client shows
in their own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.kit.pages import Block, Listing
from bot.kit.text import BLURPLE, bar, name_or, seat_status
from core.domain import PackStatus, SeatStatus, SessionStatus
from core.insight import (
    ClosedSeat,
    LinePlace,
    MySessions,
    ReleaseReason,
    Report,
    SessionRecord,
    StudentFile,
    StudentSeat,
    TimelineEntry,
)
from core.seats import PackView, SeatView, SessionView
from core.texts import mention, plural, timestamp, when

# ---- /mysessions ------------------------------------------------------------------------------------


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


def my_sessions(seats: Sequence[SeatView], guild_names: dict[int, str] | None = None) -> Listing:
    """``/mysessions``: a block per seat (mentor, and the server when the list spans servers)."""

    def block(seat: SeatView) -> Block:
        server = (
            f" · {name_or(guild_names[seat.guild_id], '')}"
            if guild_names and seat.guild_id in guild_names
            else ""
        )
        lines = [seat_status(seat)]
        lines += [_pack_line(pack) for pack in seat.packs]
        lines += _session_lines(seat.sessions) or ["No session booked yet."]
        return Block(f"{name_or(seat.mentor_name, 'Mentor')}{server}", tuple(lines))

    return Listing(
        title="Your mentorship",
        blocks=tuple(block(seat) for seat in seats),
        empty="You hold no seat with a mentor right now. When an admin records a pack you bought, it shows up here.",
    )


# ---- /mysessions: what happened lately ----------------------------------------------------------------

RELEASED_BECAUSE = {
    ReleaseReason.GRACE_ENDED: "the grace period ended without a renewal",
    ReleaseReason.REFUNDED: "the pack was refunded",
}


def how_to_renew(closed: ClosedSeat, server: str | None) -> str:
    """The server's way to renew (R17): the shop, the renewal link, else its admins."""
    if closed.renewal_sku_id is not None:
        return f"To come back, buy a pack in the bot's store (its profile) or ask an admin of {server or 'the server'}."
    if closed.renew_url:
        return f"To come back, renew here: {closed.renew_url}"
    return f"To come back, ask an admin of {server or 'the server'} to record a new pack."


def closed_block(closed: ClosedSeat, server: str | None, heading_server: bool) -> Block:
    if closed.reason == ReleaseReason.EXPIRED:
        why = (
            f"the pack expired with {plural(closed.forfeited, 'session')} unused"
            if closed.forfeited
            else "the pack expired"
        )
    else:
        why = RELEASED_BECAUSE[closed.reason]
    title = name_or(closed.mentor_name, "Mentor") + (
        f" · {name_or(server, 'server')}" if server and heading_server else ""
    )
    return Block(
        f"{title} (released)",
        (f"🔓 Released {timestamp(closed.released_at, 'D')}: {why}.", how_to_renew(closed, server)),
    )


def place_line(place: LinePlace, server: str | None) -> str:
    """A place in a mentor's line on /mysessions (R19)."""
    where = f" ({name_or(server, 'server')})" if server else ""
    mentor = name_or(place.mentor_name, "a mentor")
    if place.offered_until is not None:
        return f"🎟️ A seat with {mentor}{where} is held for you until {when(place.offered_until)}: accept it in the DM."
    return f"⏱️ #{place.position} in {mentor}'s line{where}"


def my_sessions_overview(
    mine: MySessions, guild_names: dict[int, str] | None = None, servers: dict[int, str] | None = None
) -> Listing:
    """``/mysessions``: the live seats, each seat released in the last 30 days (with why and how to
    renew), then the places in line. ``guild_names`` name the server in headings (from a DM);
    ``servers`` in the renewal text."""
    listing = my_sessions(mine.seats, guild_names)
    if not mine.closed and not mine.places:
        return listing
    names = servers or guild_names or {}
    closed = tuple(closed_block(seat, names.get(seat.guild_id), bool(guild_names)) for seat in mine.closed)
    line = (
        (
            Block(
                "Waitlist",
                tuple(place_line(place, (guild_names or {}).get(place.guild_id)) for place in mine.places),
            ),
        )
        if mine.places
        else ()
    )
    summary = "" if mine.seats else "You hold no seat right now; here is what happened lately."
    if not mine.seats and not mine.closed:
        summary = "You hold no seat right now."
    return Listing(
        title=listing.title, blocks=listing.blocks + closed + line, empty=listing.empty, summary=summary
    )


# ---- /student ---------------------------------------------------------------------------------------

SESSION_MARKS = {
    SessionStatus.SCHEDULED: "📅 booked",
    SessionStatus.COMPLETED: "✔️ completed",
    SessionStatus.CANCELLED: "✖️ cancelled",
    SessionStatus.LATE_CANCELLED: "✖️ late cancel",
    SessionStatus.NO_SHOW: "🚫 no-show",
    SessionStatus.VOIDED: "↩️ reverted",
}
ACTIONS = {
    "pack_granted": "pack granted",
    "pack_expired": "pack expired",
    "seat_reserved": "seat reserved",
    "seat_renewed": "renewed in grace",
    "seat_grace_started": "grace started",
    "seat_released": "seat released",
    "session_booked": "session booked",
    "session_cancelled": "session cancelled",
    "session_completed": "session completed",
}


def _student_pack_line(pack: PackView) -> str:
    return f"pack #{pack.pack_id} · {pack.status.value} · {_pack_line(pack)}"


def _record_line(session: SessionRecord) -> str:
    mark = SESSION_MARKS.get(session.status, session.status.value)
    number = (
        f" · session {session.number}" if session.number and session.status == SessionStatus.COMPLETED else ""
    )
    moment = session.completed_at if session.status == SessionStatus.COMPLETED else session.starts_at
    return f"{mark} {timestamp(moment or session.starts_at, 'f')}{number} (#{session.session_id})"


def _student_seat_block(seat: StudentSeat) -> Block:
    if seat.status == SeatStatus.RELEASED:
        status = f"🔓 released {timestamp(seat.released_at, 'D')}" if seat.released_at else "🔓 released"
    elif seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        status = f"⏳ in grace — renew by {when(seat.grace_ends_at)}"
    else:
        status = f"✅ {seat.status.value}"
    lines = [
        f"{status} · {plural(seat.sessions_left, 'session')} left · since {timestamp(seat.created_at, 'D')}"
    ]
    lines += [_student_pack_line(pack) for pack in seat.packs]
    lines += [_record_line(session) for session in seat.sessions] or ["No session booked yet."]
    return Block(f"with {name_or(seat.mentor_name, 'Mentor')} (seat #{seat.seat_id})", tuple(lines))


def timeline_line(entry: TimelineEntry) -> str:
    what = ACTIONS.get(entry.action, entry.action.replace("_", " "))
    about = " ".join(
        f"{label}{ident}"
        for label, ident in (("pack #", entry.pack_id), ("session #", entry.session_id))
        if ident is not None
    )
    who = "the bot" if entry.actor_id is None else name_or(entry.actor_name, "") or mention(entry.actor_id)
    reason = entry.detail.get("reason")
    because = f" — {discord.utils.escape_markdown(str(reason))}" if reason else ""
    return f"{timestamp(entry.at, 'f')} · {what}{f' {about}' if about else ''} by {who}{because}"


def student_file(file: StudentFile) -> Listing:
    """``/student``: a block per seat (its packs and sessions), then the timeline of the last changes."""
    name = name_or(file.student_name, f"Student {file.student_user_id}")
    live = [seat for seat in file.seats if seat.status != SeatStatus.RELEASED]
    blocks = [_student_seat_block(seat) for seat in file.seats]
    if file.timeline:
        blocks.append(Block("Last changes", tuple(timeline_line(entry) for entry in file.timeline)))
    return Listing(
        title=name,
        summary=(
            f"{plural(len(live), 'live seat')} · "
            f"{plural(sum(seat.sessions_left for seat in live), 'session')} left"
        ),
        blocks=tuple(blocks),
    )


# ---- /export, /report -------------------------------------------------------------------------------


def exported(counts: dict[str, int], zipped: bool) -> str:
    parts = ", ".join(f"{plural(count, 'row')} in {name}" for name, count in counts.items())
    how = " (zipped: together they are too big for Discord)" if zipped else ""
    return f"This server's records, in UTC: {parts}{how}."


def report_embed(result: Report, chart_name: str | None) -> discord.Embed:
    """``/report``: the figures, and the chart (an attachment) as the embed's image."""
    used = f"{result.seats_held} of {plural(result.capacity, 'seat')}"
    if result.capacity:
        used += f" ({round(100 * result.seats_held / result.capacity)}%)"
    figures: list[tuple[str, Any]] = [
        ("Sessions completed", result.sessions_completed),
        ("Packs granted", result.packs_granted),
        ("Graces started", result.graces_started),
        ("Renewed in grace", result.renewed_in_grace),
        ("Seats released", result.seats_released),
        ("No-shows", result.no_shows),
        ("Seats used now", used),
    ]
    embed = discord.Embed(
        title=f"The last {plural(result.days, 'day')}",
        description=f"{timestamp(result.since, 'D')} to {timestamp(result.until, 'D')}",
        colour=BLURPLE,
    )
    for name, value in figures:
        embed.add_field(name=name, value=str(value), inline=True)
    if chart_name is not None:
        embed.set_image(url=f"attachment://{chart_name}")
        embed.set_footer(text="Sessions completed per week (weeks from Monday, UTC) per mentor")
    return embed
