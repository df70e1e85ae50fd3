"""``/export``: the server's packs, sessions and history, read as rows and written as CSV text (stdlib
``csv``).

The rows are read by ``export_rows``; the files are pure functions of them: one row per thing, a
header of column names, ids as numbers, times as UTC ISO 8601, empty cells for what is unset. A
spreadsheet opens the files as they are; a text cell that a spreadsheet would take for a formula (a
display name starting with ``=``, ``+``, ``-`` or ``@``) is written with a leading apostrophe, so
opening an export never runs anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core.domain import Actor, require_admin
from core.schema import history, mentors, packs, seats, sessions
from core.tx import Tx

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PACK_COLUMNS = (
    "pack_id",
    "seat_id",
    "student_user_id",
    "student_name",
    "mentor_user_id",
    "mentor_name",
    "status",
    "sessions_total",
    "sessions_left",
    "sessions_booked",
    "sessions_forfeited",
    "granted_at",
    "ends_at",
    "closed_at",
    "granted_by",
)
SESSION_COLUMNS = (
    "session_id",
    "pack_id",
    "seat_id",
    "student_user_id",
    "student_name",
    "mentor_user_id",
    "mentor_name",
    "status",
    "starts_at",
    "minutes",
    "number",
    "booked_by",
    "completed_at",
    "completed_by",
    "cancelled_at",
    "cancelled_by",
)
HISTORY_COLUMNS = (
    "history_id",
    "at",
    "actor_id",
    "action",
    "seat_id",
    "pack_id",
    "session_id",
    "student_user_id",
    "student_name",
    "mentor_user_id",
    "mentor_name",
    "detail",
)


def cell(value: Any) -> str:
    """One value as the CSV shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header, then one line per row, in ``columns`` order."""
    out = io.StringIO()
    writer = csv.writer(out)  # the default dialect: quoted where needed, CRLF as spreadsheets expect
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return out.getvalue()


def export_files(rows: ExportRows) -> dict[str, str]:
    """The export's files by name: packs.csv, sessions.csv, history.csv."""
    return {
        "packs.csv": to_csv(PACK_COLUMNS, rows.packs),
        "sessions.csv": to_csv(SESSION_COLUMNS, rows.sessions),
        "history.csv": to_csv(HISTORY_COLUMNS, rows.history),
    }


@dataclass(frozen=True, slots=True)
class ExportRows:
    """What ``/export`` writes, one dict per pack, session and history entry (``export_files``)."""

    packs: tuple[dict[str, Any], ...]
    sessions: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]


def export_rows(tx: Tx, *, guild_id: int, actor: Actor) -> ExportRows:
    """Every pack, session and history entry of this server, with the people's ids and names.
    Only an admin may export. Three statements."""
    require_admin(actor, "export the server's records")
    people = (
        seats.c.student_id.label("student_user_id"),
        seats.c.student_name,
        mentors.c.user_id.label("mentor_user_id"),
        mentors.c.display_name.label("mentor_name"),
    )
    pack_rows = tx.conn.execute(
        select(packs, *people)
        .join(seats, seats.c.id == packs.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(packs.c.guild_id == guild_id)
        .order_by(packs.c.id)
    )
    session_rows = tx.conn.execute(
        select(sessions, *people)
        .join(seats, seats.c.id == sessions.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(sessions.c.guild_id == guild_id)
        .order_by(sessions.c.id)
    )
    history_rows = tx.conn.execute(
        select(history, *people)
        .outerjoin(seats, seats.c.id == history.c.seat_id)
        .outerjoin(mentors, mentors.c.id == seats.c.mentor_id)
        .where(history.c.guild_id == guild_id)
        .order_by(history.c.at, history.c.id)
    )
    return ExportRows(
        packs=_as_dicts(pack_rows, PACK_COLUMNS),
        sessions=_as_dicts(session_rows, SESSION_COLUMNS),
        history=_as_dicts(history_rows, HISTORY_COLUMNS),
    )


def _as_dicts(rows: Iterable[Any], columns: Sequence[str]) -> tuple[dict[str, Any], ...]:
    """Each row as a dict of the export's ``columns``: its own id under the first (``pack_id``,
    ``session_id``, ``history_id``), every other column under its name."""
    own_id, *named = columns
    return tuple({own_id: row.id, **{column: getattr(row, column) for column in named}} for row in rows)
