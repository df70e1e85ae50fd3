"""What ``/calendar`` answers (R22). The address is shown once, when it is made: only its fingerprint
is kept."""

from __future__ import annotations

from bot.web import calendar_path
from core.calendar import CalendarAddress, CalendarReset
from core.texts import when

NO_PUBLIC_URL = (
    "Calendar feeds need the bot's public address, which is not set: ask the bot's operator to set "
    "PUBLIC_URL (e.g. https://mentorbot.example.org) and restart the bot."
)
HOW_TO_ADD = (
    "Subscribe to it in your calendar app (Google Calendar: Other calendars › From URL; Apple and "
    "Outlook: add a calendar by URL). Apps check it every few hours, so a change can take that long to show."
)
PRIVATE = "Keep it private: anyone with this address sees your sessions."


def address(public_url: str, made: CalendarAddress | CalendarReset) -> str:
    if made.token is None:
        return (
            f"You made your calendar address {when(made.made_at)}; it is shown only once. "
            "Lost it? `/calendar reset:True` makes a new one (the old one stops working)."
        )
    url = f"{public_url}{calendar_path(made.token)}"
    first = (
        "Your new calendar address (the old one no longer works):"
        if isinstance(made, CalendarReset)
        else "Your calendar address, with your sessions in every server:"
    )
    return f"{first}\n<{url}>\n{HOW_TO_ADD}\n{PRIVATE}"
