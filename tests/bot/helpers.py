"""Helpers for the Discord-level tests: people acting through SimCord, and what they see.

``Desk`` runs the steps a test needs but is not about (register a mentor, grant a pack, book a session)
through the same slash commands a person would use, and checks each step worked. The rest reads what a
user sees: reply text, embed fields, Discord timestamps, and whether the database changed at all.

Candidates for ``tests/conftest.py`` once other suites want them: ``snapshot`` (a whole-database
"nothing changed" check), ``ts`` and ``one_sentence``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from sqlalchemy import Connection, Table, select

from bot.app import MentorBot
from core.schema import history, mentors, notifications, packs, seats, sessions
from tests.conftest import Server

ERROR_REPLY = re.compile(r"^Something went wrong \(error (?P<id>[0-9a-f]+)\); nothing was changed\.")
SAVED_REPLY = re.compile(r"^Your change was saved, but something went wrong showing the result \(error \w+\)")
STATE_TABLES: tuple[Table, ...] = (mentors, seats, packs, sessions, notifications, history)


def ts(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp as the bot writes it: every client shows it in its reader's time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when(moment: datetime) -> str:
    """A moment as the bot spells it: full date, then relative."""
    return f"{ts(moment, 'F')} ({ts(moment, 'R')})"


def one_sentence(text: str) -> bool:
    """One line ending in a full stop, with no second sentence inside (mentions and timestamps aside)."""
    plain = re.sub(r"<[^>]*>", "x", text).strip()
    return (
        bool(plain)
        and "\n" not in plain
        and plain.endswith((".", "!", "?"))
        and re.search(r"[.!?]\s+[A-Z]", plain[:-1]) is None
    )


def embed_text(embed: discord.Embed) -> str:
    """Everything an embed shows, as one text: title, description, each field's name and value."""
    parts = [embed.title or "", embed.description or ""]
    for item in embed.fields:
        parts += [item.name or "", item.value or ""]
    return "\n".join(parts)


def field(embed: discord.Embed, name: str) -> str:
    """The value of the embed field whose name starts with ``name``."""
    for item in embed.fields:
        if (item.name or "").startswith(name):
            return item.value or ""
    raise AssertionError(f"no field {name!r} in {[item.name for item in embed.fields]}")


def _cause(error: BaseException) -> BaseException:
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


# ---- what the database holds ------------------------------------------------------------------------


async def snapshot(bot: MentorBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that holds the program's state (mentors to history)."""

    def read(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in STATE_TABLES
        }

    return await bot.service.db.read(read)


def sqlite_path(bot: MentorBot) -> str:
    database = bot.service.db.url.database
    assert database, "these tests run on a SQLite file"
    return database


@contextmanager
def table_gone(bot: MentorBot, table: str) -> Iterator[None]:
    """Make the database fail: rename ``table`` away with a separate connection, then back."""
    connection = sqlite3.connect(sqlite_path(bot))
    try:
        connection.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
        connection.commit()
        yield
    finally:
        connection.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
        connection.commit()
        connection.close()


# ---- replies ----------------------------------------------------------------------------------------


async def refused(server: Server, action: Awaitable[Any]) -> str:
    """Run ``action`` (a slash command), check it was refused as the spec says, return the sentence.

    A refusal is private, one sentence, and an answer, not an error: the bot raises nothing that
    SimCord would record (``env.errors`` holds only real faults).
    """
    env = server.env
    before = env.error_cursor
    result = await action
    assert env.errors_since(before) == ()
    assert result.ephemeral
    text: str = result.response.content
    assert one_sentence(text), text
    return text


async def failed(server: Server, action: Awaitable[Any]) -> tuple[str, BaseException]:
    """Run ``action``, which is expected to hit an unexpected error; return the reply and the error."""
    env = server.env
    before = env.error_cursor
    result = await action
    errors = env.errors_since(before)
    env.errors  # noqa: B018 - acknowledged: this error is the one the test expects
    assert len(errors) == 1, errors
    assert result.ephemeral
    return result.response.content, _cause(errors[0])


@dataclass
class Desk:
    """The server's people doing the groundwork through Discord, each step checked to have worked."""

    server: Server

    def _ok(self, result: Any, before: int) -> Any:
        errors = self.server.env.errors_since(before)
        assert not errors, errors
        return result

    async def mentor(self, seats: int = 2, who: Any = None) -> None:
        env = self.server.env
        before = env.error_cursor
        who = who or self.server.mentor
        result = await self.server.admin.slash(self.server.channel, "mentor add", mentor=who, seats=seats)
        self._ok(result, before)

    async def grant(self, student: Any = None, mentor: Any = None, **options: Any) -> str:
        env = self.server.env
        before = env.error_cursor
        result = await self.server.admin.slash(
            self.server.channel,
            "pack grant",
            student=student or self.server.student,
            mentor=mentor or self.server.mentor,
            **options,
        )
        return str(self._ok(result, before).response.content)

    async def complete(self, student: Any = None, by: Any = None, **options: Any) -> str:
        env = self.server.env
        before = env.error_cursor
        result = await (by or self.server.mentor).slash(
            self.server.channel, "complete", student=student or self.server.student, **options
        )
        return str(self._ok(result, before).response.content)

    async def book(self, at: datetime, student: Any = None, by: Any = None, **options: Any) -> int:
        """Book a session; returns its number (#id) as the reply shows it."""
        env = self.server.env
        before = env.error_cursor
        result = await (by or self.server.mentor).slash(
            self.server.channel,
            "schedule",
            student=student or self.server.student,
            when=at.isoformat(),
            **options,
        )
        text = self._ok(result, before).response.content
        found = re.search(r"session #(\d+)", text)
        assert found, text
        return int(found.group(1))

    async def view(self, who: Any, command: str) -> discord.Embed:
        """The embed ``who`` sees for /mysessions, /roster or /seats in the server."""
        env = self.server.env
        before = env.error_cursor
        result = await who.slash(self.server.channel, command)
        self._ok(result, before)
        assert result.ephemeral
        (embed,) = result.response.embeds
        return embed

    async def my_sessions(self, who: Any = None) -> discord.Embed:
        return await self.view(who or self.server.student, "mysessions")

    async def roster(self, who: Any = None) -> discord.Embed:
        return await self.view(who or self.server.mentor, "roster")

    async def seats(self) -> discord.Embed:
        return await self.view(self.server.admin, "seats")
