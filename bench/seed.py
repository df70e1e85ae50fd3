"""Seeded SQLite databases: the real migrated schema, filled with bulk inserts.

The schema comes from the application's own migrations; rows then go in with the standard library's
``executemany`` in one transaction per table, indexes in place (see ``_Loader``). No ``ANALYZE`` is
run: the bot never runs it, so the query planner sees what it sees in production.

Seeds are cached under the data directory by size, seed version and schema (the migration head and a
hash of the migration scripts), and copied before every run that writes, so every run starts from the
same state.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine

import core.migrations as core_migrations
from bench.common import (
    ADMIN_USER,
    GUILD,
    MENTOR_BASE,
    NOW,
    SEATS_PER_MENTOR,
    STUDENT_BASE,
    Progress,
    checkpoint,
    remove_database,
    say,
    ts,
)
from core.migrate import alembic_config, head_revision

SEED_VERSION = 3  # bump when the layout of the seeded rows changes
# The migration whose layout the seeded rows follow (``COLUMNS``).
SEED_REVISION = "0001"
CHUNK = 20_000
# Pack sizes on the main database; completing the first booked session of a 4-session pack is
# session 3 of 4, which owes the student the "one left" DM (R5).
MAIN_TOTALS = (4, 6, 8, 10)

Row = tuple[Any, ...]

COLUMNS = {
    "mentors": "id, guild_id, user_id, display_name, capacity, seats_held, created_at, updated_at",
    "seats": (
        "id, guild_id, mentor_id, student_id, student_name, status, active_packs, grace_ends_at, "
        "grace_period, final_warning_queued, created_at, released_at"
    ),
    "packs": (
        "id, guild_id, seat_id, sessions_total, sessions_left, sessions_booked, sessions_forfeited, "
        "status, granted_at, ends_at, expiry_warned, granted_by, closed_at"
    ),
    "sessions": (
        "id, guild_id, seat_id, pack_id, status, starts_at, minutes, number, reminder_queued, "
        "request_key, booked_by, completed_by, completed_at, cancelled_by, cancelled_at, created_at"
    ),
    "notifications": (
        "id, guild_id, key, kind, recipient_id, mentor_user_id, seat_id, pack_id, session_id, "
        "seat_period, body, status, due_at, next_attempt_at, lease_token, attempts, last_error, "
        "created_at, sent_at"
    ),
    "history": "id, guild_id, at, actor_id, action, seat_id, pack_id, session_id, detail",
}


def mentor_of(seat_id: int) -> int:
    return (seat_id - 1) // SEATS_PER_MENTOR + 1


def mentor_user(mentor_id: int) -> int:
    return MENTOR_BASE + mentor_id


def student_of(seat_id: int) -> int:
    return STUDENT_BASE + seat_id


def schema_fingerprint() -> str:
    """The migration head and a hash of every migration script: a seed is rebuilt when either changes."""
    versions = Path(core_migrations.__file__).resolve().parent / "versions"
    digest = hashlib.sha256()
    for script in sorted(versions.glob("*.py")):
        digest.update(script.name.encode() + b"\0" + script.read_bytes())
    return f"r{head_revision()}-{digest.hexdigest()[:8]}"


def _cached(data_dir: Path, stem: str, build: Callable[[Path], None]) -> Path:
    path = data_dir / f"{stem}-v{SEED_VERSION}-{schema_fingerprint()}.db"
    if path.exists():
        say(f"seed: using cached {path.name}")
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in data_dir.glob(f"{stem}-v*.db"):  # seeds of an older layout or schema
        remove_database(stale)
    partial = path.with_suffix(".partial")
    remove_database(partial)
    say(f"seed: building {path.name}")
    # The rows are laid out as 0001 stores them; the later migrations then fill in what they derive
    # (0002: each waiting row's warning moment), as they do on a database grown by use.
    _migrate(partial, SEED_REVISION)
    build(partial)
    _migrate(partial)
    checkpoint(partial)
    remove_database(path)
    partial.rename(path)
    remove_database(partial)
    return path


def _migrate(path: Path, revision: str = "head") -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        engine.dispose()


class _Loader:
    """Bulk loading into a migrated file: ``executemany`` in chunks, one transaction per table.

    The indexes stay in place while rows go in, as they do while the bot runs. (Dropping them and
    creating them afterwards is faster, but leaves every index page 100% full: the first sweep then
    splits nearly every index page it touches, which a database grown by use does not do.)
    """

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        execute = self.connection.execute
        execute("PRAGMA journal_mode=WAL")
        execute("PRAGMA synchronous=OFF")
        execute("PRAGMA cache_size=-524288")  # 512 MB while loading: index inserts stay in memory
        execute("PRAGMA temp_store=MEMORY")

    def load(self, table: str, rows: Iterable[Row], total: int) -> None:
        columns = COLUMNS[table]
        marks = ", ".join("?" for _ in columns.split(","))
        statement = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        progress = Progress(f"insert {table}", total)
        self.connection.execute("BEGIN")
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            self.connection.executemany(statement, chunk)
            progress.advance(len(chunk))
        self.connection.execute("COMMIT")
        progress.finish()

    def close(self) -> None:
        self.connection.close()


# ---- the main database: 100,000 seats and packs, 400,000 sessions ----------------------------------


def main_database(data_dir: Path, seats: int) -> Path:
    """``seats`` mentors' seats, each with one active pack and four sessions.

    Per pack (sizes cycle 4, 6, 8, 10): two sessions completed last week and the week before, one
    booked ten minutes ago (the one ``/complete`` finds) and one booked next week. Plus the history
    of all that and one sent DM per pack, so the tables a completion writes to are not empty.
    """
    return _cached(data_dir, f"main-{seats}", lambda path: _build_main(path, seats))


def _build_main(path: Path, seats: int) -> None:
    mentors = (seats + SEATS_PER_MENTOR - 1) // SEATS_PER_MENTOR
    loader = _Loader(path)
    created = ts(NOW - timedelta(days=40))

    def mentor_rows() -> Iterator[Row]:
        for m in range(1, mentors + 1):
            held = min(SEATS_PER_MENTOR, seats - (m - 1) * SEATS_PER_MENTOR)
            yield (m, GUILD, mentor_user(m), f"mentor{m}", SEATS_PER_MENTOR, held, created, created)

    def seat_rows() -> Iterator[Row]:
        for i in range(1, seats + 1):
            yield (
                i, GUILD, mentor_of(i), student_of(i), f"student{i}", "active", 1, None, 0, 0, created, None,
            )  # fmt: skip

    def granted(i: int) -> Any:
        return NOW - timedelta(days=30) + timedelta(seconds=i % 86_400)

    def pack_rows() -> Iterator[Row]:
        for i in range(1, seats + 1):
            total = MAIN_TOTALS[i % len(MAIN_TOTALS)]
            start = granted(i)
            yield (
                i, GUILD, i, total, total - 2, 2, 0, "active", ts(start), ts(start + timedelta(days=90)),
                0, ADMIN_USER, None,
            )  # fmt: skip

    def session_rows() -> Iterator[Row]:
        for i in range(1, seats + 1):
            mentor = mentor_user(mentor_of(i))
            base = 4 * (i - 1)
            made = ts(granted(i))
            for n, days in ((1, 14), (2, 7)):
                at = NOW - timedelta(days=days)
                yield (
                    base + n, GUILD, i, i, "completed", ts(at), 60, n, 1, None, mentor, mentor,
                    ts(at + timedelta(hours=1)), None, None, made,
                )  # fmt: skip
            yield (
                base + 3, GUILD, i, i, "scheduled", ts(NOW - timedelta(minutes=10)), 60, None, 1, None,
                mentor, None, None, None, None, made,
            )  # fmt: skip
            yield (
                base + 4, GUILD, i, i, "scheduled", ts(NOW + timedelta(days=7, minutes=i % 1440)), 60, None,
                0, None, mentor, None, None, None, None, made,
            )  # fmt: skip

    def notification_rows() -> Iterator[Row]:
        for i in range(1, seats + 1):
            mentor = mentor_user(mentor_of(i))
            made = granted(i)
            yield (
                i, GUILD, f"session_booked:session:{4 * i}", "session_booked", student_of(i), mentor, i, i,
                4 * i, None, f"<@{mentor}> booked a 60-minute session with you.", "sent", ts(made),
                ts(made), 1, 0, None, ts(made), ts(made + timedelta(seconds=1)),
            )  # fmt: skip

    def history_rows() -> Iterator[Row]:
        for i in range(1, seats + 1):
            mentor = mentor_user(mentor_of(i))
            base = 3 * (i - 1)
            yield (base + 1, GUILD, ts(granted(i)), ADMIN_USER, "pack_granted", i, i, None, '{"sessions": 4}')
            for n, days in ((1, 14), (2, 7)):
                at = ts(NOW - timedelta(days=days) + timedelta(hours=1))
                detail = f'{{"left": {MAIN_TOTALS[i % 4] - n}, "number": {n}}}'
                yield (base + 1 + n, GUILD, at, mentor, "session_completed", i, i, 4 * (i - 1) + n, detail)

    loader.load("mentors", mentor_rows(), mentors)
    loader.load("seats", seat_rows(), seats)
    loader.load("packs", pack_rows(), seats)
    loader.load("sessions", session_rows(), 4 * seats)
    loader.load("notifications", notification_rows(), seats)
    loader.load("history", history_rows(), 3 * seats)
    loader.close()


# ---- the sweep databases: N packs, exactly D of them (or their seats, sessions) due ----------------

# What a due item is, in turn: a pack past its end (R8, which then releases its seat, R9), a pack
# entering its expiry warning window (R8), a seat whose grace has ended (R9), a seat entering its
# final warning window (R7), a booked session entering its reminder window (R10).
DUE_KINDS = ("expire", "expiry_warning", "release", "final_warning", "reminder")


def sweep_database(data_dir: Path, packs: int, due: int) -> Path:
    """``packs`` seats with one pack and one session each, of which exactly ``due`` are due now.

    The rest is what a program of that size holds, in the same proportions at every size (by seat
    number modulo 20): 60% active seats with a pack ending in 4 to 700 days and a session booked 2 to
    60 days ahead; 5% with a session within 24 hours already reminded; 5% with a pack ending within 3
    days already warned; 10% in grace ending in 13 to 71 hours; 5% in grace ending within 12 hours
    already warned; 15% released with an expired pack. Those "already done" rows sit right beside the
    due ones in the sweep's indexes: a sweep that costs what is due skips them without reading them.
    """
    return _cached(data_dir, f"sweep-{packs}-{due}", lambda path: _build_sweep(path, packs, due))


def _sweep_layout(i: int, due_kind: str | None) -> tuple[Row, Row, Row]:
    """(seat, pack, session) for seat ``i``."""
    mentor = mentor_user(mentor_of(i))
    created = ts(NOW - timedelta(days=120))
    category = i % 20

    def seat(status: str, active_packs: int, grace_ends: Any = None, warned: int = 0) -> Row:
        return (
            i, GUILD, mentor_of(i), student_of(i), f"student{i}", status, active_packs,
            ts(grace_ends) if grace_ends is not None else None, 1 if status != "active" else 0,
            warned, created, ts(NOW - timedelta(days=1)) if status == "released" else None,
        )  # fmt: skip

    def pack(
        status: str, total: int, left: int, booked: int, ends: Any, warned: int = 0, forfeited: int = 0
    ) -> Row:
        closed = ts(NOW - timedelta(hours=10)) if status != "active" else None
        return (
            i, GUILD, i, total, left, booked, forfeited, status, ts(NOW - timedelta(days=60)), ts(ends),
            warned, ADMIN_USER, closed,
        )  # fmt: skip

    def session(status: str, starts: Any, reminded: int) -> Row:
        done = status == "completed"
        return (
            i, GUILD, i, i, status, ts(starts), 60, 1 if done else None, reminded, None, mentor,
            mentor if done else None, ts(starts + timedelta(hours=1)) if done else None, None, None,
            created,
        )  # fmt: skip

    past = NOW - timedelta(days=20)
    booked_pack = pack("active", 8, 6, 1, NOW + timedelta(days=30))
    done_session = session("completed", past, 1)
    if due_kind == "expire":
        return (
            seat("active", 1),
            pack("active", 4, 2, 0, NOW - timedelta(hours=1), 1),
            done_session,
        )
    if due_kind == "expiry_warning":
        return seat("active", 1), pack("active", 4, 4, 0, NOW + timedelta(days=2)), done_session
    if due_kind == "release":
        return (
            seat("grace", 0, NOW - timedelta(hours=1), 1),
            pack("depleted", 4, 0, 0, NOW + timedelta(days=30)),
            done_session,
        )
    if due_kind == "final_warning":
        return (
            seat("grace", 0, NOW + timedelta(hours=6)),
            pack("depleted", 4, 0, 0, NOW + timedelta(days=30)),
            done_session,
        )
    if due_kind == "reminder":
        return seat("active", 1), booked_pack, session("scheduled", NOW + timedelta(hours=12), 0)
    if category < 12:
        return (
            seat("active", 1),
            pack("active", 8, 6, 1, NOW + timedelta(days=4 + i % 700)),
            session("scheduled", NOW + timedelta(days=2 + i % 58), 0),
        )
    if category == 12:
        return seat("active", 1), booked_pack, session("scheduled", NOW + timedelta(hours=1 + i % 22), 1)
    if category == 13:
        return seat("active", 1), pack("active", 4, 2, 0, NOW + timedelta(hours=1 + i % 70), 1), done_session
    if category in (14, 15):
        return (
            seat("grace", 0, NOW + timedelta(hours=13 + i % 58)),
            pack("depleted", 4, 0, 0, NOW + timedelta(days=30)),
            done_session,
        )
    if category == 16:
        return (
            seat("grace", 0, NOW + timedelta(hours=1 + i % 10), 1),
            pack("depleted", 4, 0, 0, NOW + timedelta(days=30)),
            done_session,
        )
    return (
        seat("released", 0),
        pack("expired", 4, 0, 0, NOW - timedelta(days=1 + i % 300), 1, 2),
        done_session,
    )


def due_slots(packs: int, due: int) -> dict[int, str]:
    """Which seats hold the due items: spread evenly over the table, kinds in turn."""
    step = packs // due
    return {step // 2 + k * step + 1: DUE_KINDS[k % len(DUE_KINDS)] for k in range(due)}


def _build_sweep(path: Path, packs: int, due: int) -> None:
    slots = due_slots(packs, due)
    mentors = (packs + SEATS_PER_MENTOR - 1) // SEATS_PER_MENTOR
    held = [0] * (mentors + 1)
    loader = _Loader(path)

    def layouts(table: int) -> Iterator[Row]:
        # Laid out again for each table: cheaper than keeping three million tuples alive.
        for i in range(1, packs + 1):
            rows = _sweep_layout(i, slots.get(i))
            if table == 0 and rows[0][5] != "released":
                held[mentor_of(i)] += 1
            yield rows[table]

    loader.load("seats", layouts(0), packs)
    created = ts(NOW - timedelta(days=120))
    loader.load(
        "mentors",
        (
            (m, GUILD, mentor_user(m), f"mentor{m}", SEATS_PER_MENTOR, held[m], created, created)
            for m in range(1, mentors + 1)
        ),
        mentors,
    )
    loader.load("packs", layouts(1), packs)
    loader.load("sessions", layouts(2), packs)
    loader.close()
