"""A recording of what "Discord" received, shared by every process of a test: a SQLite file.

``sends`` has one row per send call; ``messages`` one row per message that appeared, keyed by nonce,
as Discord dedupes a send whose nonce it has seen (``enforce_nonce``). A notification that appears in
two messages was delivered twice; one that appears in none was lost.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY, nonce TEXT NOT NULL, notification_id INTEGER NOT NULL, pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, nonce TEXT NOT NULL UNIQUE, notification_id INTEGER NOT NULL
);
"""


def connect(path: Path | str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")
    return connection


def create(path: Path | str) -> None:
    with closing(connect(path)) as connection:
        connection.executescript(SCHEMA)


def record(connection: sqlite3.Connection, *, nonce: str, notification_id: int, pid: int) -> bool:
    """Record one send, durably; returns whether a new message appeared (False: deduped by nonce)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(
            "INSERT INTO sends (nonce, notification_id, pid) VALUES (?, ?, ?)", (nonce, notification_id, pid)
        )
        appeared = connection.execute(
            "INSERT OR IGNORE INTO messages (nonce, notification_id) VALUES (?, ?)", (nonce, notification_id)
        ).rowcount
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return appeared == 1


@dataclass(frozen=True)
class Tally:
    sends: int
    messages: int
    notifications: int
    doubled: int  # notifications that appear in more than one message

    @property
    def deduped(self) -> int:
        return self.sends - self.messages


def tally(path: Path | str) -> tuple[Tally, set[int]]:
    """The counts, and the notification ids that appeared."""
    with closing(connect(path)) as connection:
        sends = connection.execute("SELECT count(*) FROM sends").fetchone()[0]
        messages = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        ids = {row[0] for row in connection.execute("SELECT notification_id FROM messages")}
        doubled = connection.execute(
            "SELECT count(*) FROM (SELECT notification_id FROM messages GROUP BY notification_id "
            "HAVING count(*) > 1)"
        ).fetchone()[0]
    return Tally(sends, messages, len(ids), doubled), ids
