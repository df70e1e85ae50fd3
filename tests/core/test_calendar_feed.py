"""Calendar feeds (R22) in core: a person's private address, kept only as a fingerprint, and the RFC
5545 calendar of their sessions in every server it serves (on SQLite, and on PostgreSQL when set)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar, Event
from sqlalchemy import Connection, event, select, update

from core.calendar import calendar_address, feed, read_feed, render_feed, reset_calendar
from core.calendar.feeds import EventFields, event_fields, make_calendar, make_event
from core.calendar.tokens import NO_SERVER
from core.db import Database
from core.schema import calendar_feeds, sessions
from tests.conftest import GUILD, START, Program
from tests.core.helpers import OTHER_GUILD, history_rows

NAMES = {GUILD: "Rust Club", OTHER_GUILD: "Go Guild"}
MENTOR, STUDENT, OTHER_STUDENT = 10, 20, 21


def other_server(program: Program) -> Program:
    return Program(program.service, program.clock, guild_id=OTHER_GUILD)


async def address_of(program: Program, user_id: int) -> str:
    made = await program.service.write(calendar_address, user_id=user_id, guild_id=program.guild_id)
    assert made.token is not None
    return made.token


async def calendar_of(program: Program, token: str, names: Any = None) -> Calendar:
    text = await program.service.read(feed, token, NAMES if names is None else names)
    assert text is not None, "the token is not known"
    return Calendar.from_ical(text)


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(item["UID"]): item for item in calendar.walk("VEVENT")}


def uid(session_id: int) -> str:
    return f"session-{session_id}@mentorbot"


async def test_an_address_is_made_once_and_only_its_fingerprint_is_kept(program: Program) -> None:
    first = await program.service.write(calendar_address, user_id=STUDENT, guild_id=GUILD)
    assert first.is_new
    assert first.token is not None
    assert first.made_at == START
    assert len(first.token) >= 43  # 256 random bits, url-safe
    await program.later(hours=5)
    again = await program.service.write(calendar_address, user_id=STUDENT, guild_id=GUILD)
    assert again.token is None
    assert not again.is_new
    assert again.made_at == START  # "you have one since …": it cannot be shown again
    rows = await program.rows(select(calendar_feeds))
    assert len(rows) == 1
    assert all(first.token not in str(value) for value in rows[0])
    assert rows[0].token_hash == hashlib.sha256(first.token.encode()).hexdigest()
    made = await history_rows(program, "calendar_address_made")
    assert [(row.guild_id, row.actor_id) for row in made] == [(GUILD, STUDENT)]
    assert first.token not in made[0].detail
    assert rows[0].token_hash not in made[0].detail


async def test_asked_for_at_once_one_address_is_made(program: Program) -> None:
    asked = [program.service.write(calendar_address, user_id=STUDENT, guild_id=GUILD) for _ in range(6)]
    answers = await asyncio.gather(*asked)
    assert sum(answer.is_new for answer in answers) == 1
    assert {answer.made_at for answer in answers} == {START}
    [made] = [answer.token for answer in answers if answer.token is not None]
    assert await program.service.read(feed, made, NAMES) is not None
    assert len(await program.rows(select(calendar_feeds))) == 1


async def test_a_reset_gives_a_new_address_and_the_old_one_stops_at_once(program: Program) -> None:
    old = await address_of(program, STUDENT)
    assert await program.service.read(feed, old, NAMES) is not None
    reset = await program.service.write(reset_calendar, user_id=STUDENT, guild_id=None)
    assert reset.token != old
    assert await program.service.read(feed, old, NAMES) is None
    assert await program.service.read(feed, reset.token, NAMES) is not None
    rows = await program.rows(select(calendar_feeds))
    assert len(rows) == 1
    assert all(reset.token not in str(value) for value in rows[0])
    # Asked by DM: no server's history gets it.
    resets = await history_rows(program, "calendar_address_reset")
    assert [(row.guild_id, row.actor_id) for row in resets] == [(NO_SERVER, STUDENT)]


async def test_a_reset_without_an_address_makes_one(program: Program) -> None:
    reset = await program.service.write(reset_calendar, user_id=STUDENT, guild_id=GUILD)
    assert await program.service.read(feed, reset.token, NAMES) is not None
    exists = await program.service.write(calendar_address, user_id=STUDENT, guild_id=GUILD)
    assert exists.token is None
    assert exists.made_at == START


def one_character_off(token: str) -> list[str]:
    """The token with one character changed: first, middle, last."""
    swaps = []
    for at in (0, len(token) // 2, len(token) - 1):
        other = "A" if token[at] != "A" else "B"
        swaps.append(token[:at] + other + token[at + 1 :])
    return swaps


async def test_a_token_wrong_by_one_character_is_unknown(program: Program) -> None:
    token = await address_of(program, STUDENT)
    for wrong in [*one_character_off(token), token[:-1], token + "A", "", "x" * 43, "../" + token]:
        assert await program.service.read(feed, wrong, NAMES) is None, wrong


async def test_a_mentors_feed_lists_the_sessions_they_give_in_every_server(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    await program.grant(OTHER_STUDENT)
    here = await program.schedule(STUDENT, at=START + timedelta(days=1))
    here_too = await program.schedule(OTHER_STUDENT, at=START + timedelta(days=2), minutes=45)
    there = other_server(program)
    await there.mentor(MENTOR)
    await there.grant(STUDENT)
    abroad = await there.schedule(STUDENT, at=START + timedelta(days=3))
    calendar = await calendar_of(program, await address_of(program, MENTOR))
    listed = events(calendar)
    assert list(listed) == [uid(here.session_id), uid(here_too.session_id), uid(abroad.session_id)]
    assert str(listed[uid(here.session_id)]["SUMMARY"]) == "Mentoring with student20 — Rust Club"
    assert str(listed[uid(here_too.session_id)]["SUMMARY"]) == "Mentoring with student21 — Rust Club"
    assert str(listed[uid(abroad.session_id)]["SUMMARY"]) == "Mentoring with student20 — Go Guild"
    second = listed[uid(here_too.session_id)]
    assert second.decoded("DTSTART") == START + timedelta(days=2)
    assert second.decoded("DTEND") - second.decoded("DTSTART") == timedelta(minutes=45)
    assert {str(item["STATUS"]) for item in listed.values()} == {"CONFIRMED"}
    assert calendar["VERSION"] == "2.0"
    assert "mentorbot" in str(calendar["PRODID"])


async def test_a_students_feed_lists_their_sessions_and_not_other_students(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    await program.grant(OTHER_STUDENT)
    mine = await program.schedule(STUDENT, at=START + timedelta(days=1))
    await program.schedule(OTHER_STUDENT, at=START + timedelta(days=2))
    there = other_server(program)
    await there.mentor(30)
    await there.grant(STUDENT, mentor=30)
    mine_there = await there.schedule(STUDENT, mentor=30, at=START + timedelta(days=4))
    listed = events(await calendar_of(program, await address_of(program, STUDENT)))
    assert list(listed) == [uid(mine.session_id), uid(mine_there.session_id)]
    assert str(listed[uid(mine.session_id)]["SUMMARY"]) == "Mentoring with mentor10 — Rust Club"
    assert str(listed[uid(mine_there.session_id)]["SUMMARY"]) == "Mentoring with mentor30 — Go Guild"


async def test_someone_both_mentor_and_student_sees_both_in_one_feed(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    giving = await program.schedule(STUDENT, at=START + timedelta(days=2))
    there = other_server(program)
    await there.mentor(30)
    await there.grant(MENTOR, mentor=30)  # the mentor here is a student there
    taking = await there.schedule(MENTOR, mentor=30, at=START + timedelta(days=1))
    listed = events(await calendar_of(program, await address_of(program, MENTOR)))
    assert list(listed) == [uid(taking.session_id), uid(giving.session_id)]
    assert str(listed[uid(taking.session_id)]["SUMMARY"]) == "Mentoring with mentor30 — Go Guild"
    assert str(listed[uid(giving.session_id)]["SUMMARY"]) == "Mentoring with student20 — Rust Club"


async def test_the_feed_starts_thirty_days_back(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT, sessions=4, valid_days=90)
    gone = await program.schedule(STUDENT, at=START + timedelta(days=1))
    kept = await program.schedule(STUDENT, at=START + timedelta(days=2))
    token = await address_of(program, STUDENT)
    assert list(events(await calendar_of(program, token))) == [uid(gone.session_id), uid(kept.session_id)]
    program.clock.set(START + timedelta(days=2, minutes=30))
    await program.complete(STUDENT, session=kept.session_id)
    program.clock.set(START + timedelta(days=31, hours=12))  # gone: 30.5 days back; kept: 29.5
    listed = events(await calendar_of(program, token))
    assert list(listed) == [uid(kept.session_id)]
    assert str(listed[uid(kept.session_id)]["STATUS"]) == "CONFIRMED"  # completed: it took place


async def test_a_cancelled_session_stays_as_cancelled_with_the_same_uid(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    booked = await program.schedule(STUDENT, at=START + timedelta(days=2))
    token = await address_of(program, STUDENT)
    before = events(await calendar_of(program, token))[uid(booked.session_id)]
    assert str(before["STATUS"]) == "CONFIRMED"
    assert before["SEQUENCE"] == 0
    await program.later(hours=1)
    await program.cancel(booked.session_id)
    after = events(await calendar_of(program, token))[uid(booked.session_id)]
    assert str(after["STATUS"]) == "CANCELLED"
    assert after["SEQUENCE"] == 1  # a revision, so clients that compare SEQUENCE take it
    assert after.decoded("DTSTART") == before.decoded("DTSTART")
    assert after.decoded("DTSTAMP") == START + timedelta(hours=1)  # when it last changed


async def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    booked = await program.schedule(STUDENT, at=START + timedelta(days=2))
    token = await address_of(program, MENTOR)
    # What a move (/reschedule) writes: the new time, the sequence one higher.
    moved_to = START + timedelta(days=3, hours=4)
    await program.service.db.write(
        lambda c: c.execute(
            update(sessions)
            .where(sessions.c.id == booked.session_id)
            .values(starts_at=moved_to, sequence=sessions.c.sequence + 1)
        )
    )
    listed = events(await calendar_of(program, token))
    assert list(listed) == [uid(booked.session_id)]
    assert listed[uid(booked.session_id)]["SEQUENCE"] == 1
    assert listed[uid(booked.session_id)].decoded("DTSTART") == moved_to


async def test_times_are_utc_and_unknown_servers_are_named_by_id(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    booked = await program.schedule(STUDENT, at="2026-01-07T18:30:00+01:00")
    text = await program.service.read(feed, await address_of(program, STUDENT), {})
    assert text is not None
    assert b"DTSTART:20260107T173000Z\r\n" in text
    assert b"DTEND:20260107T183000Z\r\n" in text
    assert b"VTIMEZONE" not in text
    assert b"TZID" not in text
    assert f"UID:{uid(booked.session_id)}\r\n".encode() in text
    assert f"Mentoring with mentor10 — server {GUILD}".encode() in text


async def test_a_feed_with_no_sessions_is_an_empty_calendar(program: Program) -> None:
    calendar = await calendar_of(program, await address_of(program, STUDENT))
    assert events(calendar) == {}
    assert calendar["VERSION"] == "2.0"


async def test_the_feed_is_what_icalendar_builds_in_one_piece(program: Program) -> None:
    await program.mentor(MENTOR)
    for student in (STUDENT, OTHER_STUDENT):
        await program.grant(student)
        await program.schedule(student, at=START + timedelta(days=student - 18))
    cancelled = await program.schedule(STUDENT, at=START + timedelta(days=5))
    await program.cancel(cancelled.session_id)
    token = await address_of(program, MENTOR)
    names = {GUILD: 'Rust, "Club"; with a name long enough to be folded over more than one line'}
    found = await program.service.read(read_feed, token)
    assert found is not None
    assert len(found.sessions) == 3
    whole = make_calendar()
    for session in found.sessions:
        whole.add_component(make_event(event_fields(session, names)))
    for _ in range(2):  # the first writes each event, the second reads them back from the cache
        assert render_feed(found, names) == whole.to_ical()


def test_an_event_is_the_text_icalendar_writes_for_those_values() -> None:
    fields = EventFields(
        session_id=12,
        starts_at=START,
        ends_at=START + timedelta(minutes=45),
        stamp=START - timedelta(days=1),
        summary="Mentoring with Ana, María; \\o/ — Rust Club",
        status="CANCELLED",
        sequence=3,
    )
    inferred = Event()
    inferred.add("uid", "session-12@mentorbot")
    for name, value in [
        ("dtstamp", fields.stamp),
        ("dtstart", fields.starts_at),
        ("dtend", fields.ends_at),
        ("summary", fields.summary),
        ("status", fields.status),
        ("sequence", fields.sequence),
    ]:
        inferred.add(name, value)
    assert make_event(fields).to_ical() == inferred.to_ical()
    assert b"SUMMARY:Mentoring with Ana\\, Mar\xc3\xada\\; \\\\o/" in inferred.to_ical()


def _counting(db: Database) -> tuple[list[str], Any]:
    seen: list[str] = []

    def count(_c: Any, _cursor: Any, statement: str, _p: Any, _x: Any, _many: bool) -> None:
        seen.append(statement)

    event.listen(db.sync_engine, "before_cursor_execute", count)
    return seen, count


async def test_a_feed_is_read_in_one_statement_and_a_malformed_token_in_none(
    program: Program, db: Database
) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    await program.schedule(STUDENT, at=START + timedelta(days=1))
    token = await address_of(program, MENTOR)
    seen, listener = _counting(db)
    try:
        assert await program.service.read(feed, token, NAMES) is not None
        reads = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET"))]
        assert len(reads) == 1, seen
        seen.clear()
        assert await program.service.read(feed, "not a token", NAMES) is None
        assert [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))] == []
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", listener)


def _plan(connection: Connection, sql: str, parameters: Any) -> list[str]:
    return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_feeds_statement_reads_no_whole_table(program: Program, db: Database) -> None:
    await program.mentor(MENTOR)
    await program.grant(STUDENT)
    await program.schedule(STUDENT, at=START + timedelta(days=1))
    token = await address_of(program, MENTOR)
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, _x: Any, _many: bool) -> None:
        if "UNION ALL" in statement:
            captured.append((statement, parameters))

    event.listen(db.sync_engine, "before_cursor_execute", capture)
    try:
        await program.service.read(feed, token, NAMES)
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", capture)
    [(sql, parameters)] = captured
    plan = await db.read(lambda c: _plan(c, sql, parameters))
    tables = ("calendar_feeds", "mentors", "seats", "sessions")
    scans = [step for step in plan if step.startswith("SCAN") and step.split()[1] in tables]
    assert scans == [], "\n".join(plan)
