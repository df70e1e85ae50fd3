"""``/export``: the server's packs, sessions and history as CSV text (stdlib ``csv``).

Pure functions of the rows ``core.views.export_rows`` reads: one row per thing, a header of column
names, ids as numbers, times as UTC ISO 8601, empty cells for what is unset. A spreadsheet opens the
files as they are; a text cell that a spreadsheet would take for a formula (a display name starting
with ``=``, ``+``, ``-`` or ``@``) is written with a leading apostrophe, so opening an export never
runs anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core.views import ExportRows

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
