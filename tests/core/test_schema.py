"""The schema the migrations build is the one the models describe, and no statement of a sweep reads
a whole table: each searches an index of what can fall due, so a sweep costs what is due, not what is
stored (the benchmark measures how much)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, event, select

from core.db import Database
from core.domain import Policy
from core.migrate import alembic_config
from core.schema import metadata, seats
from core.sweep import next_due
from tests.conftest import START, Program


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrations_build_exactly_the_schema_the_models_describe(db: Database) -> None:
    assert await db.read(_differences) == []


FULL_SCANS = {"SCAN packs", "SCAN seats", "SCAN sessions", "SCAN notifications"}


def _plans(connection: Connection, statements: list[tuple[str, Any]]) -> list[list[str]]:
    """SQLite's plan for each (sql, parameters), one line per step."""
    return [
        [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)]
        for sql, parameters in statements
    ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_no_statement_of_a_sweep_reads_a_whole_table(program: Program, db: Database) -> None:
    await program.mentor(seats=5)
    for student in (20, 21, 22):
        await program.grant(student=student, sessions=2, valid_days=5)
    await program.grant(student=23, valid_days=1)  # expires, and its seat is released
    await program.schedule(student=21, at=START + timedelta(days=3))  # its reminder falls due
    await program.complete(student=22, key="a")
    await program.complete(student=22, key="b")  # its seat enters grace; the final warning falls due
    await program.later(days=2, hours=13)  # inside the expiry-warning window of the 5-day packs too
    assert not db.is_postgres
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and not statement.startswith(("BEGIN", "COMMIT")):
            seen.append((statement, parameters))

    event.listen(db.sync_engine, "before_cursor_execute", capture)
    try:
        report = await program.sweep()
        await program.service.read(next_due)
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", capture)
    assert len(report.expiry_warnings) == 2
    assert len(report.expired_packs) == len(report.released_seats) == 1
    assert len(report.final_warnings) == len(report.session_reminders) == 1
    plans = await db.read(lambda c: _plans(c, seen))
    assert len(plans) > 10
    for (sql, _), plan in zip(seen, plans, strict=True):
        assert not FULL_SCANS & set(plan), f"{sql}\n{plan}"


def _migrate_down_and_up(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "0001")
    command.upgrade(alembic_config(connection), "head")


async def test_migration_0002_gives_rows_already_waiting_the_moment_their_warning_falls_due(
    program: Program, db: Database
) -> None:
    await program.mentor(seats=2)
    await program.grant(20, sessions=1, valid_days=10)
    pack = await program.grant(21, sessions=2, valid_days=10)
    booked = await program.schedule(21, at=START + timedelta(days=3))
    await program.complete(20, key="last")  # student 20's seat enters grace
    seat_20 = (await program.rows(select(seats).where(seats.c.student_id == 20)))[0]
    before = (seat_20.final_warning_at, (await program.pack(pack.pack_id)).expiry_warning_at)
    await db.write(_migrate_down_and_up)
    assert await db.read(_differences) == []
    policy = Policy()
    seat_after = await program.seat(seat_20.id)
    assert seat_after.final_warning_at == seat_after.grace_ends_at - policy.final_warning_lead
    assert (seat_after.final_warning_at, (await program.pack(pack.pack_id)).expiry_warning_at) == before
    session = await program.session(booked.session_id)
    assert session.reminder_at == session.starts_at - policy.session_reminder_lead


def _status_checks(connection: Connection) -> dict[str, str]:
    """Each status check's text as the database holds it after the migrations."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname LIKE '%status_known'"
        )
        return {str(name): str(definition) for name, definition in rows.all()}
    rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {f"ck_{name}_status_known": sql for name, sql in rows if sql and "status_known" in sql}


async def test_the_migrations_check_every_status_the_models_know(db: Database) -> None:
    """compare_metadata does not compare CHECK constraints: each status the models allow (offered,
    revoked, voided, late_cancelled, no_show included) is in the migrated database's check."""
    from core.domain import PackStatus, SeatStatus, SessionStatus

    checks = await db.read(_status_checks)
    for table, statuses in (("seats", SeatStatus), ("packs", PackStatus), ("sessions", SessionStatus)):
        check = checks[f"ck_{table}_status_known"]
        for status in statuses:
            assert f"'{status.value}'" in check, (table, status)
