"""What an admin and a mentor see with /student, /roster [mentor], /export and /report, as each of
them sees it through SimCord, and the refusals of those who may not."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import discord

from bot.app import MentorBot
from bot.features.insight.cog import ZIP_NAME, export_attachments
from bot.features.packs.replies import pack_choice_label
from bot.features.sessions.replies import session_label
from bot.kit import chart
from core.clock import ManualClock
from core.domain import PackStatus
from core.insight import MentorWeeks, Report
from core.packs import PackChoice
from core.seats import SessionView
from tests.bot.helpers import Desk, embed_text, field, refused, snapshot, ts
from tests.bot.test_pages import STUDENTS, all_lines, no_errors, program, read_all_pages
from tests.conftest import START, Server


async def later(server: Server, clock: ManualClock, **delta: float) -> None:
    clock.advance(timedelta(**delta))
    bot: MentorBot = server.env.bot
    await bot.run_sweep()


async def story(server: Server, clock: ManualClock) -> Desk:
    """alice: a two-session pack with mia, both done (grace), renewed; bob: one session with mia, done,
    and released when his grace ends; then alice's third session."""
    desk = Desk(server)
    await desk.mentor(seats=3)
    await desk.grant(server.student, sessions=2)
    await desk.grant(server.other_student, sessions=1)
    await desk.complete(server.student)
    await desk.complete(server.student)
    await desk.complete(server.other_student)
    await later(server, clock, hours=1)
    await desk.grant(server.student)  # renewed in grace
    await later(server, clock, hours=72)  # bob's grace has ended: released
    await desk.complete(server.student)
    return desk


async def test_an_admin_sees_everything_about_one_student(server: Server, clock: ManualClock) -> None:
    await story(server, clock)

    result = await server.admin.slash(server.channel, "student", student=server.student)

    assert result.ephemeral
    (embed,) = result.response.embeds
    assert embed.title == "alice"
    assert embed.description == "1 live seat · 3 sessions left"
    seat = field(embed, "with mia")
    assert seat.startswith(f"✅ active · 3 sessions left · since {ts(START, 'D')}")
    assert "pack #1 · depleted · `■■` all 2 used" in seat
    assert "pack #3 · active · `■□□□` 1 of 4 used · **3 left**" in seat
    assert seat.count("✔️ completed") == 3
    changes = field(embed, "Last changes").splitlines()
    # Who acted is named where the program knows them (a mentor); an admin stays a mention.
    assert changes[0].endswith("· session completed pack #3 session #4 by mia")
    assert changes[-2].endswith(f"· pack granted pack #1 by {server.admin.mention}")
    assert changes[-1].endswith("· seat reserved by the bot")
    assert any("renewed in grace" in line and line.endswith("by the bot") for line in changes)
    assert server.env.errors == []


async def test_a_mentor_sees_their_own_student_and_is_refused_anyone_else(
    server: Server, clock: ManualClock
) -> None:
    await story(server, clock)
    max_ = server.add_member("max")
    await Desk(server).mentor(seats=1, who=max_)

    mine = await server.mentor.slash(server.channel, "student", student=server.other_student)
    (embed,) = mine.response.embeds
    assert field(embed, "with mia").startswith("🔓 released ")
    assert "seat released" in field(embed, "Last changes")

    before = await snapshot(server.env.bot)
    text = await refused(server, max_.slash(server.channel, "student", student=server.student))
    assert text == (
        f"Only {server.student.mention}'s mentor or an admin can see their file, and they have no seat with you."
    )
    text = await refused(
        server, server.student.slash(server.channel, "student", student=server.other_student)
    )
    assert text.startswith(f"Only {server.other_student.mention}'s mentor or an admin")
    assert await snapshot(server.env.bot) == before


async def test_an_admin_sees_any_mentors_roster_and_a_mentor_only_their_own(
    server: Server, clock: ManualClock
) -> None:
    await story(server, clock)
    max_ = server.add_member("max")

    theirs = await server.admin.slash(server.channel, "roster", mentor=server.mentor)
    (embed,) = theirs.response.embeds
    assert embed.title == "mia's students"
    assert embed.description == "1 of 3 seats held"
    assert [item.name for item in embed.fields] == ["alice"]

    text = await refused(server, max_.slash(server.channel, "roster", mentor=server.mentor))
    assert text == "Only an admin can see another mentor's roster; run /roster alone to see yours."
    text = await refused(server, server.admin.slash(server.channel, "roster", mentor=max_))
    assert text == f"{max_.mention} is not a mentor here; register them with /mentor add."


async def test_export_attaches_csv_files_that_match_what_student_shows(
    server: Server, clock: ManualClock
) -> None:
    await story(server, clock)
    shown = embed_text(
        (await server.admin.slash(server.channel, "student", student=server.student)).response.embeds[0]
    )

    result = await server.admin.slash(server.channel, "export")

    assert result.ephemeral
    assert re.fullmatch(
        r"This server's records, in UTC: 3 rows in packs\.csv, 4 rows in sessions\.csv, \d+ rows in history\.csv\.",
        result.response.content,
    )
    files = {attachment.filename: await attachment.read() for attachment in result.response.attachments}
    assert set(files) == {"packs.csv", "sessions.csv", "history.csv"}
    assert all(data.startswith(b"\xef\xbb\xbf") for data in files.values())  # UTF-8 for spreadsheets
    packs = list(csv.DictReader(io.StringIO(files["packs.csv"].decode("utf-8-sig"))))
    sessions = list(csv.DictReader(io.StringIO(files["sessions.csv"].decode("utf-8-sig"))))
    history = list(csv.DictReader(io.StringIO(files["history.csv"].decode("utf-8-sig"))))
    hers = [row for row in packs if row["student_user_id"] == str(server.student.id)]
    # Every pack /student shows for alice is a row, with the status and sessions it shows.
    assert [f"pack #{row['pack_id']} · {row['status']}" for row in hers] == re.findall(
        r"pack #\d+ · \w+", shown
    )
    assert [row["sessions_left"] for row in hers] == ["0", "3"]
    assert {row["mentor_name"] for row in packs} == {"mia"}
    her_sessions = [row["session_id"] for row in sessions if row["student_name"] == "alice"]
    assert [f"(#{number})" for number in her_sessions] == re.findall(r"\(#\d+\)", shown)
    assert {row["action"] for row in history} >= {"pack_granted", "session_completed", "seat_released"}
    assert all(row["at"].endswith("Z") for row in history)
    assert server.env.errors == []


async def test_report_shows_the_figures_and_a_png_chart(server: Server, clock: ManualClock) -> None:
    await story(server, clock)

    result = await server.admin.slash(server.channel, "report")

    assert result.ephemeral
    (embed,) = result.response.embeds
    figures = {item.name: item.value for item in embed.fields}
    assert figures == {
        "Sessions completed": "4",
        "Packs granted": "3",
        "Graces started": "2",
        "Renewed in grace": "1",
        "Seats released": "1",
        "No-shows": "0",
        "Seats used now": "1 of 3 seats (33%)",
    }
    assert embed.title == "The last 30 days"
    assert embed.image.url is not None
    assert embed.image.url.endswith(chart.CHART_NAME)
    (attachment,) = result.response.attachments
    png = await attachment.read()
    assert attachment.filename == chart.CHART_NAME
    assert png.startswith(chart.PNG_MAGIC)
    assert 1_000 < len(png) < chart.UPLOAD_LIMIT

    week = await server.admin.slash(server.channel, "report", days=1)
    (embed,) = week.response.embeds
    assert embed.title == "The last 1 day"
    assert {item.name: item.value for item in embed.fields}["Sessions completed"] == "1"
    assert server.env.errors == []


async def test_only_an_admin_may_export_or_see_the_report(server: Server, clock: ManualClock) -> None:
    await story(server, clock)
    tree = server.env.bot.tree
    # The server widened both commands to mia in its Integrations settings: the admin check still holds.
    registered = {command.name: command for command in await tree.fetch_commands()}
    for name in ("export", "report"):
        server.guild.set_command_permissions(registered[name], {server.mentor: True})
    before = await snapshot(server.env.bot)
    for command in ("export", "report"):
        text = await refused(server, server.mentor.slash(server.channel, command))
        assert text.startswith("Only an admin (Manage Server, or the admin role) can ")
    assert await snapshot(server.env.bot) == before
    for name in ("export", "report", "seats"):
        command = tree.get_command(name)
        assert command is not None
        assert command.default_permissions == discord.Permissions(manage_guild=True), name


async def test_seats_lists_every_student_grace_first(server: Server, clock: ManualClock) -> None:
    desk = Desk(server)
    await desk.mentor(seats=3)
    await desk.grant(server.student, sessions=1, valid_days=60)
    await desk.grant(server.other_student, valid_days=30)
    carl = server.add_member("carl")
    await desk.grant(carl, valid_days=90)
    await desk.complete(server.student)  # alice in grace

    seats = await desk.seats()

    lines = field(seats, "mia").splitlines()
    assert lines[0] == "`■■■` 3 of 3 seats held"
    assert [line.split(" — ")[0] for line in lines[1:]] == ["⏳ alice", "✅ bob", "✅ carl"]
    assert lines[2] == f"✅ bob — 4 sessions left · ends {ts(START + timedelta(days=30), 'D')}"


def test_a_years_chart_of_a_busy_server_is_a_small_png_with_the_others_summed() -> None:
    weeks = tuple(date(2025, 1, 6) + timedelta(weeks=n) for n in range(53))
    mentors = tuple(
        MentorWeeks(n, f"mentor{n:02d}", tuple((n * week) % 7 for week in range(53))) for n in range(1, 61)
    )
    report = Report(366, START - timedelta(days=366), START, 0, 0, 0, 0, 0, 0, 0, 0, weeks, mentors)

    drawn = chart.series(report)
    png = chart.weekly_chart(report)

    assert len(drawn) == chart.MOST_MENTORS
    assert drawn[-1].mentor_name == "53 others"
    # Nothing is lost by summing: every week's total is the same.
    assert [sum(column) for column in zip(*(m.completed for m in drawn), strict=True)] == [
        sum(column) for column in zip(*(m.completed for m in mentors), strict=True)
    ]
    assert png.startswith(chart.PNG_MAGIC)
    assert len(png) < 200_000 < chart.UPLOAD_LIMIT


# ---- at the sizes that break a single message ---------------------------------------------------------


async def test_a_student_with_20_packs_and_60_sessions_is_shown_in_pages_with_nothing_lost(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mia, alice = server.mentor.id, server.student.id
    await here.mentor(mia, seats=1)
    granted = [await here.grant(alice, mia, sessions=3, valid_days=30 + day) for day in range(20)]
    done = [await here.complete(alice, mia) for _ in range(60)]

    result = await server.admin.slash(server.channel, "student", student=server.student)

    seen = await read_all_pages(server.admin, result)
    lines = all_lines(seen)
    for pack in granted:
        assert sum(line.startswith(f"pack #{pack.pack_id} · ") for line in lines) == 1
    for session in done:
        assert sum(line.endswith(f"(#{session.session_id})") for line in lines) == 1
    assert {embed.title for embed in seen} == {f"student{alice}"}  # the name core was given
    no_errors(server)


async def test_seats_with_100_students_under_one_mentor_lists_each_once(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mia = server.mentor.id
    await here.mentor(mia, seats=100)
    for student in STUDENTS:
        await here.grant(student, mia)

    result = await server.admin.slash(server.channel, "seats")

    seen = await read_all_pages(server.admin, result)
    lines = [line for line in all_lines(seen) if line.startswith("✅ ")]
    assert sorted(line.split(" — ")[0] for line in lines) == sorted(f"✅ student{n}" for n in STUDENTS)
    no_errors(server)


def test_an_export_too_big_for_discord_is_zipped_into_one_file() -> None:
    files = {"packs.csv": "pack_id\r\n" + "1\r\n" * 5000, "sessions.csv": "session_id\r\n", "history.csv": ""}

    kept, zipped = export_attachments(files, limit=1_000_000)
    assert not zipped
    assert [file.filename for file in kept] == list(files)

    (archive,), zipped = export_attachments(files, limit=1_000)
    assert zipped
    assert archive.filename == ZIP_NAME
    with zipfile.ZipFile(archive.fp) as opened:
        assert opened.namelist() == list(files)
        assert opened.read("packs.csv").decode("utf-8-sig") == files["packs.csv"]


def test_autocomplete_labels_name_the_people_and_the_state_and_keep_the_number_whole() -> None:
    ends = datetime(2026, 1, 13, 18, tzinfo=UTC)
    assert (
        pack_choice_label(
            PackChoice(
                pack_id=12,
                student_name="alice",
                mentor_name="mia",
                status=PackStatus.ACTIVE,
                left=3,
                total=4,
                ends_at=ends,
            )
        )
        == "alice with mia — 3 of 4 left, ends Tue 13 Jan 2026 (#12)"
    )
    expired = pack_choice_label(
        PackChoice(
            pack_id=7,
            student_name="bob",
            mentor_name="max",
            status=PackStatus.EXPIRED,
            left=2,
            total=4,
            ends_at=ends,
        )
    )
    assert expired == "bob with max — expired Tue 13 Jan 2026, 2 of 4 left (#7)"
    session = SessionView(
        session_id=123456,
        pack_id=1,
        student_user_id=1,
        student_name="a" * 90,
        mentor_user_id=2,
        starts_at=ends,
        minutes=60,
        mentor_name="mia",
    )
    label = session_label(session)
    assert len(label) == 100
    assert label.endswith("… — Tue 13 Jan 18:00 UTC (#123456)")


# ---- /mysessions: the renewal offered when it makes sense, a released seat only when it tells something


async def renew_offered(server: Server) -> bool:
    """Whether /mysessions, run by the student in the server, is followed by the way to renew."""
    result = await server.student.slash(server.channel, "mysessions")
    assert result.ephemeral
    return any("Renew here" in (message.content or "") for message in result.followups)


async def test_mysessions_offers_the_renewal_only_in_grace_at_the_last_session_or_near_the_end(
    server: Server, clock: ManualClock
) -> None:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    bot.service.defaults = dataclasses.replace(bot.service.defaults, renew_url="https://example.com/renew")
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.grant(sessions=4)

    assert not await renew_offered(server)  # 4 left, months to go
    await desk.complete()
    await desk.complete()
    assert not await renew_offered(server)  # 2 left
    await desk.complete()
    assert await renew_offered(server)  # 1 left: the "one left" DM asks for it too
    await desk.complete()
    assert await renew_offered(server)  # in grace

    await desk.grant(sessions=4, valid_days=30)  # renewed: 4 left, a month to go
    assert not await renew_offered(server)
    clock.advance(timedelta(days=28))  # the pack ends in 2 days, within the expiry warning's 3
    assert await renew_offered(server)
    assert server.env.errors == []


async def test_a_seat_released_beside_a_live_one_with_the_same_mentor_is_not_listed(
    server: Server, clock: ManualClock
) -> None:
    desk = Desk(server)
    await desk.mentor(seats=2)
    await desk.mentor(seats=1, who=server.other_student)  # bob mentors too
    await desk.grant(sessions=1)
    await desk.grant(mentor=server.other_student, sessions=1)
    await desk.complete()
    await desk.complete(by=server.other_student)
    clock.advance(timedelta(hours=73))
    await server.env.bot.run_sweep()  # both seats released: the grace ended
    await desk.grant(sessions=4)  # alice is back with mia, not with bob

    shown = embed_text(await desk.my_sessions())

    assert shown.count("(released)") == 1  # the seat with bob, who holds none for her now
    assert "bob (released)" in shown
    assert "mia (released)" not in shown
    assert "the grace period ended without a renewal" in shown
    assert server.env.errors == []
