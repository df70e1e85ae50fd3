"""The schema the migrations build is the one the models describe, and no statement of a sweep reads
a whole table: each searches an index of what can fall due, so a sweep costs what is due, not what is
stored (the benchmark measures how much)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, event

from core.db import Database
from core.schema import metadata
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
