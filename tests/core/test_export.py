"""The insight read models against a real database: /student's file, the export's CSV, /report's
figures, /roster for admins, /seats with every student, /mysessions' recent releases, and who may see
each (rule-level; SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core import insight
from core.domain import Actor, PackStatus, SeatStatus, SessionStatus
from core.errors import InvalidInput, NotAllowed, NotFound
from core.insight import ReleaseReason, export_files, export_rows, my_sessions, student_file
from core.insight.export import PACK_COLUMNS, SESSION_COLUMNS, cell, to_csv
from core.packs import grant_pack
from core.schema import packs, seats, sessions
from core.seats import roster_of, seat_board
from tests.conftest import ADMIN, START, Program
from tests.core.helpers import OTHER_GUILD

MIA, MAX = 10, 11
ALICE, BOB, CLEO = 20, 21, 22


async def story(program: Program) -> None:
    """Two weeks of a small server (START is Monday 5 Jan 2026, 12:00 UTC):
    alice's two-session pack runs out and she renews in grace; bob's one-session pack runs out and
    his seat is released; cleo holds four sessions with mia; in week two mia completes two more."""
    await program.mentor(MIA, seats=3)
    await program.mentor(MAX, seats=2)
    await program.grant(ALICE, MIA, sessions=2)
    await program.grant(BOB, MAX, sessions=1)
    await program.grant(CLEO, MIA)
    await program.complete(ALICE, MIA)
    await program.complete(ALICE, MIA)  # grace starts
    await program.complete(BOB, MAX)  # grace starts
    await program.later(hours=1)
    await program.grant(ALICE, MIA)  # renewed in grace
    await program.later(hours=72)
    released = await program.sweep()  # bob's grace ended: released
    assert len(released.released_seats) == 1
    await program.later(days=7)  # Thursday 15 Jan, 13:00
    await program.complete(CLEO, MIA)
    await program.complete(ALICE, MIA)


async def test_the_report_gives_the_figures_of_a_known_story(program: Program) -> None:
    await story(program)

    report = await program.service.read(insight.report, guild_id=program.guild_id, actor=ADMIN)

    assert report.days == 30
    assert report.until == START + timedelta(hours=73, days=7)
    assert (
        report.sessions_completed,
        report.packs_granted,
        report.graces_started,
        report.renewed_in_grace,
        report.seats_released,
        report.no_shows,
    ) == (5, 4, 2, 1, 1, 0)
    assert (report.seats_held, report.capacity) == (2, 5)  # alice and cleo, of 3 + 2
    # The weeks from the one holding "30 days ago" (Tue 16 Dec) to this one, each from Monday.
    assert report.weeks == tuple(date(2025, 12, 15) + timedelta(weeks=n) for n in range(5))
    assert [(m.mentor_user_id, m.mentor_name, m.completed) for m in report.per_mentor] == [
        (MIA, "mentor10", (0, 0, 0, 2, 2)),
        (MAX, "mentor11", (0, 0, 0, 1, 0)),
    ]


async def test_a_short_report_counts_only_its_days(program: Program) -> None:
    await story(program)

    report = await program.service.read(insight.report, guild_id=program.guild_id, actor=ADMIN, days=5)

    # Since Saturday 10 Jan 13:00: only week two's completions; bob was released on Thursday 8th.
    assert (report.sessions_completed, report.packs_granted, report.graces_started) == (2, 0, 0)
    assert (report.renewed_in_grace, report.seats_released) == (0, 0)
    assert report.weeks == (date(2026, 1, 5), date(2026, 1, 12))
    assert [m.completed for m in report.per_mentor] == [(0, 2)]


async def test_the_report_counts_no_shows_and_leaves_out_reverted_sessions(program: Program) -> None:
    await program.mentor(MIA)
    await program.grant(ALICE, MIA)
    booked = await program.schedule(ALICE, MIA, at=START + timedelta(hours=2))
    done = await program.complete(ALICE, MIA)
    await program.later(hours=3)
    # The statuses the no-show and undo commands leave (R16, R18), written as those rows hold them.
    await program.service.db.write(
        lambda c: c.execute(
            update(sessions)
            .where(sessions.c.id == booked.session_id)
            .values(status=SessionStatus.NO_SHOW.value)
        )
    )
    await program.service.db.write(
        lambda c: c.execute(
            update(sessions).where(sessions.c.id == done.session_id).values(status=SessionStatus.VOIDED.value)
        )
    )

    report = await program.service.read(insight.report, guild_id=program.guild_id, actor=ADMIN)

    assert (report.no_shows, report.sessions_completed) == (1, 0)


async def test_only_an_admin_of_this_server_sees_the_report_or_exports(program: Program) -> None:
    await story(program)
    for view in (insight.report, export_rows, seat_board):
        with pytest.raises(NotAllowed) as refused:
            await program.service.read(view, guild_id=program.guild_id, actor=Actor(MIA))
        assert str(refused.value).startswith("Only an admin (Manage Server, or the admin role) can ")
    other = await program.service.read(insight.report, guild_id=OTHER_GUILD, actor=ADMIN)
    assert (other.sessions_completed, other.packs_granted, other.capacity, other.per_mentor) == (0, 0, 0, ())
    exported = await program.service.read(export_rows, guild_id=OTHER_GUILD, actor=ADMIN)
    assert (exported.packs, exported.sessions, exported.history) == ((), (), ())


@pytest.mark.parametrize("days", [0, 367])
async def test_a_report_of_no_days_or_more_than_a_year_is_refused(program: Program, days: int) -> None:
    with pytest.raises(InvalidInput, match="A report covers 1 to 366 days"):
        await program.service.read(insight.report, guild_id=program.guild_id, actor=ADMIN, days=days)


# ---- /student and the export ------------------------------------------------------------------------


async def test_the_student_file_holds_every_seat_pack_and_session_and_the_last_changes(
    program: Program,
) -> None:
    await story(program)

    alice = await program.service.read(
        student_file, guild_id=program.guild_id, actor=ADMIN, student_user_id=ALICE
    )

    (seat,) = alice.seats
    assert (seat.mentor_user_id, seat.status, seat.sessions_left) == (MIA, SeatStatus.ACTIVE, 3)
    assert [(p.status, p.total, p.left) for p in seat.packs] == [
        (PackStatus.DEPLETED, 2, 0),
        (PackStatus.ACTIVE, 4, 3),
    ]
    assert [(s.status, s.number) for s in seat.sessions] == [(SessionStatus.COMPLETED, n) for n in (1, 2, 1)]
    # Newest first (within one change, its last entry first): the last completion, the renewal
    # (the grant and the seat leaving grace), the completion that started the grace, ...
    assert [entry.action for entry in alice.timeline] == [
        "session_completed",
        "pack_granted",
        "seat_renewed",
        "session_completed",
        "seat_grace_started",
        "session_completed",
        "pack_granted",
        "seat_reserved",
    ]
    assert alice.timeline[0].actor_id == MIA
    assert alice.timeline[0].detail == {"number": 1, "left": 3}

    bob = await program.service.read(
        student_file, guild_id=program.guild_id, actor=ADMIN, student_user_id=BOB
    )
    (released,) = bob.seats
    assert released.status == SeatStatus.RELEASED
    assert released.released_at == START + timedelta(hours=73)
    assert bob.timeline[0].action == "seat_released"
    assert bob.timeline[0].actor_id is None  # the sweep did it


async def test_a_mentor_sees_only_their_own_seats_in_a_student_file(program: Program) -> None:
    await story(program)
    await program.grant(CLEO, MAX)  # cleo now has seats with both mentors

    mine = await program.service.read(
        student_file, guild_id=program.guild_id, actor=Actor(MAX), student_user_id=CLEO
    )
    assert [seat.mentor_user_id for seat in mine.seats] == [MAX]
    everything = await program.service.read(
        student_file, guild_id=program.guild_id, actor=ADMIN, student_user_id=CLEO
    )
    assert [seat.mentor_user_id for seat in everything.seats] == [MIA, MAX]

    with pytest.raises(NotAllowed) as refused:
        await program.service.read(
            student_file, guild_id=program.guild_id, actor=Actor(MAX), student_user_id=ALICE
        )
    assert str(refused.value) == (
        f"Only <@{ALICE}>'s mentor or an admin can see their file, and they have no seat with you."
    )
    with pytest.raises(NotFound):
        await program.service.read(student_file, guild_id=OTHER_GUILD, actor=ADMIN, student_user_id=ALICE)


async def test_the_export_parses_as_csv_and_matches_the_student_file(program: Program) -> None:
    await story(program)

    rows = await program.service.read(export_rows, guild_id=program.guild_id, actor=ADMIN)
    files = export_files(rows)

    assert set(files) == {"packs.csv", "sessions.csv", "history.csv"}
    packs_read = list(csv.DictReader(io.StringIO(files["packs.csv"])))
    sessions_read = list(csv.DictReader(io.StringIO(files["sessions.csv"])))
    history_read = list(csv.DictReader(io.StringIO(files["history.csv"])))
    assert list(packs_read[0]) == list(PACK_COLUMNS)
    assert list(sessions_read[0]) == list(SESSION_COLUMNS)
    assert (len(packs_read), len(sessions_read)) == (4, 5)  # one row per pack, per session
    assert len(history_read) == len(rows.history) > 0

    alice = await program.service.read(
        student_file, guild_id=program.guild_id, actor=ADMIN, student_user_id=ALICE
    )
    (seat,) = alice.seats
    hers = [row for row in packs_read if row["student_user_id"] == str(ALICE)]
    assert [
        (int(r["pack_id"]), r["status"], int(r["sessions_left"]), datetime.fromisoformat(r["ends_at"]))
        for r in hers
    ] == [(p.pack_id, p.status.value, p.left, p.ends_at) for p in seat.packs]
    assert {r["mentor_name"] for r in hers} == {"mentor10"}
    her_sessions = [row for row in sessions_read if row["student_user_id"] == str(ALICE)]
    assert [(int(r["session_id"]), r["status"], int(r["number"])) for r in her_sessions] == [
        (s.session_id, s.status.value, s.number) for s in seat.sessions
    ]
    # Times are UTC instants in ISO 8601; what is unset is an empty cell.
    completed = her_sessions[0]["completed_at"]
    assert completed.endswith("Z")
    assert datetime.fromisoformat(completed).tzinfo == UTC
    assert her_sessions[0]["cancelled_at"] == ""


async def test_a_name_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(program: Program) -> None:
    await program.mentor(MIA)
    await program.service.write(
        grant_pack,
        guild_id=program.guild_id,
        actor=ADMIN,
        student_user_id=ALICE,
        student_name='=HYPERLINK("http://x","y")',
        mentor_user_id=MIA,
        sessions_count=None,
        valid_days=None,
    )

    rows = await program.service.read(export_rows, guild_id=program.guild_id, actor=ADMIN)
    (pack,) = csv.DictReader(io.StringIO(export_files(rows)["packs.csv"]))

    assert pack["student_name"] == '\'=HYPERLINK("http://x","y")'
    assert cell(-3) == "-3"  # numbers stay numbers
    assert to_csv(("a",), [{"a": "line\nbreak"}]) == 'a\r\n"line\nbreak"\r\n'


# ---- /roster for admins, /seats, /mysessions ----------------------------------------------------------


async def test_an_admin_sees_any_mentors_roster_and_a_mentor_only_their_own(program: Program) -> None:
    await story(program)

    theirs = await program.service.read(roster_of, guild_id=program.guild_id, actor=ADMIN, mentor_user_id=MIA)
    assert sorted(seat.student_user_id for seat in theirs.seats) == [ALICE, CLEO]
    own = await program.service.read(roster_of, guild_id=program.guild_id, actor=Actor(MAX))
    assert (own.mentor_user_id, own.seats) == (MAX, ())
    with pytest.raises(NotAllowed, match="Only an admin can see another mentor's roster"):
        await program.service.read(roster_of, guild_id=program.guild_id, actor=Actor(MAX), mentor_user_id=MIA)
    with pytest.raises(NotFound, match=f"<@{ALICE}> is not a mentor here"):
        await program.service.read(roster_of, guild_id=program.guild_id, actor=ADMIN, mentor_user_id=ALICE)


async def test_the_seat_board_lists_every_live_seat_under_its_mentor(program: Program) -> None:
    await story(program)

    board = await program.service.read(seat_board, guild_id=program.guild_id, actor=ADMIN)

    assert [(m.mentor_user_id, m.seats_held, m.capacity) for m in board] == [(MIA, 2, 3), (MAX, 0, 2)]
    assert [(s.student_user_id, s.sessions_left) for s in board[0].seats] == [(ALICE, 3), (CLEO, 3)]
    assert board[1].seats == ()  # bob's released seat is no longer held


async def test_mysessions_tells_why_a_seat_was_released_in_the_last_30_days(program: Program) -> None:
    await story(program)
    await program.grant(BOB, MIA, sessions=1, valid_days=1)  # a new seat with mia ...
    await program.later(days=1, hours=1)
    await program.sweep()  # ... whose pack expires unused: released

    mine = await program.service.read(my_sessions, user_id=BOB, guild_id=program.guild_id)

    assert mine.seats == ()
    assert [(c.mentor_user_id, c.reason, c.forfeited) for c in mine.closed] == [
        (MIA, ReleaseReason.EXPIRED, 1),
        (MAX, ReleaseReason.GRACE_ENDED, 0),
    ]
    await program.later(days=31)
    later = await program.service.read(my_sessions, user_id=BOB)
    assert later.closed == ()  # older than 30 days: no longer told


async def test_a_seat_released_by_a_refund_says_so(program: Program) -> None:
    await program.mentor(MIA)
    granted = await program.grant(ALICE, MIA)
    await program.later(hours=1)
    now = program.clock.now()

    # The rows a refund (/pack revoke, R16) leaves: the pack revoked, its seat released at once.
    def refunded(connection: Any) -> None:
        connection.execute(
            update(packs)
            .where(packs.c.id == granted.pack_id)
            .values(status=PackStatus.REVOKED.value, sessions_left=0, sessions_forfeited=4, closed_at=now)
        )
        connection.execute(
            update(seats)
            .where(seats.c.id == granted.seat_id)
            .values(status=SeatStatus.RELEASED.value, released_at=now, active_packs=0)
        )

    await program.service.db.write(refunded)

    mine = await program.service.read(my_sessions, user_id=ALICE)

    assert [(c.reason, c.forfeited, c.released_at) for c in mine.closed] == [(ReleaseReason.REFUNDED, 4, now)]
