"""What several features' replies share: a command's answer with buttons (``Reply``), bars of sessions
used, display names in lists, a seat's status line, plain-text times, and autocomplete choices.

Autocomplete is built here once: labels within Discord's 100 characters (the names give way, the
number stays whole), and ``narrowed``, the one rule for which choices answer what was typed, at most 25.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from core.domain import SeatStatus
from core.seats import SeatView
from core.texts import when

BLURPLE = discord.Colour.blurple()
AMBER = discord.Colour.gold()

MAX_CHOICES = 25  # Discord's limit on autocomplete choices
CHOICE_NAME_LIMIT = 100  # and on the length of one choice's label

V = TypeVar("V", int, str)


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer with buttons under it (a plain ``str`` answer has none): shown in one edit,
    so the buttons come with the text, before the DMs the command caused are sent."""

    content: str
    view: discord.ui.View | None = None


def bar(used: int, total: int) -> str:
    """■■■□ for 3 of 4 sessions used (long packs are scaled to 12 marks)."""
    if total <= 0:
        return ""
    if total > 12:
        used = round(used * 12 / total)
        total = 12
    return "■" * used + "□" * (total - used)


def name_or(name: str, fallback: str) -> str:
    """A display name in a list: its own * _ ~ ` | must not turn into markup."""
    return discord.utils.escape_markdown(name) if name else fallback


def seat_status(seat: SeatView) -> str:
    """A seat's state on /mysessions and /roster: in grace with its deadline, else active."""
    if seat.status == SeatStatus.GRACE and seat.grace_ends_at is not None:
        return f"⏳ in grace — renew by {when(seat.grace_ends_at)}"
    return "✅ active"


def local_time(moment: datetime, zone: str) -> str:
    """A time as plain text (button labels and choices can't show Discord timestamps), in ``zone``."""
    return f"{moment.astimezone(ZoneInfo(zone)).strftime('%a %d %b %H:%M')} {zone}"


# ---- autocomplete -----------------------------------------------------------------------------------


def choice_label(people: str, tail: str) -> str:
    """An autocomplete label within Discord's 100 characters: the names give way, the tail stays."""
    room = CHOICE_NAME_LIMIT - len(tail)
    if len(people) > room:
        people = people[: room - 1].rstrip() + "…"
    return people + tail


def narrowed(
    labelled: Iterable[tuple[str, V]], typed: str = "", *, numbered: bool = False
) -> list[app_commands.Choice[V]]:
    """The autocomplete choices for what was typed, at most 25: each (label, value) whose label holds
    ``typed`` (ignoring case; "" keeps them all). With ``numbered`` (the value is the id the label
    shows as "#12"), "#12" picks by number: the ids that start with 12, not "12:00" in a time.

    Core narrows what it reads by the typed text before the 25 are taken; this is what the caller sees
    of it. ``typed`` is matched as given (callers strip what they don't match on)."""
    wanted = typed.lower()

    def answers(label: str, value: V) -> bool:
        if numbered and wanted.startswith("#"):
            return str(value).startswith(wanted[1:])
        return wanted in label.lower()

    return [
        app_commands.Choice(name=label[:CHOICE_NAME_LIMIT], value=value)
        for label, value in labelled
        if answers(label, value)
    ][:MAX_CHOICES]
