"""The demo's transcript (``bot.demo``): what happens on the simulated server, printed as it happens
under the simulated date and time, with Discord's markup (mentions, ``<t:…>`` timestamps, bold, code)
rendered for a terminal, and the link and premium buttons a message carries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TextIO

import discord

from core.clock import ManualClock
from core.runtime import sweep_summary
from core.service import Service
from core.sweep import SweepReport
from core.texts import plural

MENTION = re.compile(r"<@!?(\d+)>")
TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%d/%m/%Y",
    "D": "%a %d %b %Y",
    "f": "%a %d %b %Y %H:%M UTC",
    "F": "%a %d %b %Y %H:%M UTC",
}
UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


class DemoBot(Protocol):
    """The bot as the demo's scenes use it: its service, and one sweep pass as the scheduled job
    runs it."""

    service: Service

    async def run_sweep(self) -> SweepReport: ...


# ---- Discord markup for a terminal -----------------------------------------------------------------


def relative(seconds: float) -> str:
    """Discord's ``<t:…:R>``: "in 3 days", "12 hours ago"."""
    size = abs(seconds)
    for unit, length in UNITS:
        if size >= length:
            text = plural(int(size / length + 0.5), unit)
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


def moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime(FORMATS["F"])


def span(delta: timedelta) -> str:
    """A skip forward in time: "2 days 8 hours", "5 minutes"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [plural(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return " ".join(parts) or "0 minutes"


def terminal(text: str, names: dict[int, str], now: datetime) -> str:
    """Discord markup as a reader would see it: <@id> as @name, <t:UNIX:F> as a date and time (UTC here;
    Discord shows each reader their own time zone), **bold** and `code` as plain text."""

    def person(match: re.Match[str]) -> str:
        user_id = int(match.group(1))
        return "@" + names.get(user_id, f"user{user_id}")

    def stamp(match: re.Match[str]) -> str:
        at = datetime.fromtimestamp(int(match.group(1)), UTC)
        style = match.group(2) or "f"
        if style == "R":
            return relative((at - now).total_seconds())
        return at.strftime(FORMATS[style])

    text = MENTION.sub(person, text)
    text = TIMESTAMP.sub(stamp, text)
    return text.replace("**", "").replace("`", "")


# ---- the transcript --------------------------------------------------------------------------------


class Transcript:
    """Prints what happens, as it happens, under the simulated date and time."""

    def __init__(self, bot: DemoBot, clock: ManualClock, out: TextIO) -> None:
        self.bot = bot
        self.clock = clock
        self.out = out
        self.names: dict[int, str] = {}
        self.users: list[Any] = []  # SimCord user handles whose DMs are shown
        self.seen: set[int] = set()
        self.shown_at: datetime | None = None
        self.channel: Any = None  # the server channel commands are run in
        self.skus: dict[int, str] = {}  # SKU id -> name, for premium buttons

    def write(self, line: str = "") -> None:
        print(line, file=self.out)

    def text(self, markup: str) -> str:
        return terminal(markup, self.names, self.clock.now())

    def track(self, user: Any) -> None:
        self.names[user.id] = user.name
        self.users.append(user)

    def title(self, line: str) -> None:
        self.write()
        self.write(f"━━━ {line} " + "━" * max(3, 96 - len(line)))
        self.shown_at = None

    def note(self, line: str) -> None:
        self.when()
        self.write(f"  · {line}")

    def when(self) -> None:
        """A date-time heading whenever the simulated clock has moved."""
        now = self.clock.now()
        if now == self.shown_at:
            return
        later = f"  (+{span(now - self.shown_at)})" if self.shown_at is not None else ""
        self.write()
        self.write(f"{moment(now)}{later}")
        self.shown_at = now

    def block(self, first: str, body: str, indent: str) -> None:
        lines = body.splitlines() or [""]
        self.write(first + lines[0])
        for line in lines[1:]:
            self.write(indent + line)

    async def command(self, member: Any, name: str, /, **options: Any) -> Any:
        """Run a slash command as ``member`` in the server's channel; show it, its reply and its DMs."""
        self.when()
        shown = " ".join(
            f"{key}:@{value.name}" if hasattr(value, "mention") else f"{key}:{value}"
            for key, value in options.items()
        )
        self.write(f"  @{member.name} ▸ /{name} {shown}".rstrip())
        result = await member.slash(self.channel, name, **options)
        response = result.response
        if response is None:
            self.write("      ↳ (no reply)")
        else:
            if response.content:
                self.block("      ↳ ", self.text(response.content), "        ")
            for embed in response.embeds:
                self.embed(embed)
            for followup in result.followups:
                if followup.content:
                    self.block("      ↳ ", self.text(followup.content), "        ")
                self.buttons(followup.components)
        self.dms()
        return result

    def buttons(self, rows: Iterable[Any]) -> None:
        for label, target in buttons(rows, self.skus):
            self.write(f"    [{label} → {target}]")

    def embed(self, embed: discord.Embed) -> None:
        self.write(f"      ↳ [{self.text(embed.title or '')}]")
        if embed.description:
            self.block("        ", self.text(embed.description), "        ")
        for field in embed.fields:
            self.write(f"        {self.text(field.name or '')}")
            self.block("          ", self.text(field.value or ""), "          ")

    async def sweep(self) -> None:
        """One sweep pass as the scheduled job runs it (then delivery); show what it did and the DMs."""
        self.when()
        report = await self.bot.run_sweep()
        self.write(f"  ⟳ sweep: {sweep_summary(report)}")
        self.dms()

    def dms(self) -> None:
        """Every DM the bot sent since the last look, in the order it sent them."""
        fresh: list[tuple[int, str, discord.Message]] = []
        for user in self.users:
            for message in user.dm_channel.history():
                if message.id not in self.seen and message.author.id != user.id:
                    self.seen.add(message.id)
                    fresh.append((message.id, user.name, message))
        for _, name, message in sorted(fresh, key=lambda item: item[0]):
            self.block(f"  ✉ DM to @{name}: ", self.text(message.content), "    ")
            self.buttons(message.components)

    def post(self, channel: Any, seen: set[int]) -> None:
        """What the bot posted in ``channel`` since the last look."""
        for message in channel.history():
            if message.id not in seen:
                seen.add(message.id)
                self.block(f"  # {channel.name}: ", self.text(message.content), "    ")


def _part(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def buttons(rows: Iterable[Any], skus: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """Link and premium buttons, from a message's components (objects) or a reply's (payload dicts)."""
    found = []
    for row in rows:
        children = _part(row, "components") if isinstance(row, dict) else getattr(row, "children", [row])
        for child in children or []:
            url, sku = _part(child, "url"), _part(child, "sku_id")
            if url:
                emoji = _part(child, "emoji")
                shown = emoji.get("name") if isinstance(emoji, dict) else emoji
                found.append(
                    (f"{shown} {_part(child, 'label')}" if shown else str(_part(child, "label")), url)
                )
            elif sku:
                found.append(
                    ("💎 Discord's premium button", f"buy {(skus or {}).get(int(sku), f'SKU {sku}')}")
                )
    return found
