"""Lists that fit Discord (R20): /roster, /seats and /mysessions at the sizes that used to fail, read page
by page with ◀ ▶ as the caller sees them; every page within every limit, everyone found, nothing cut."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import discord
from hypothesis import example, given, settings
from hypothesis import strategies as st
from simcord.actors import _component_interaction

from bot import create_bot
from bot.app import MentorBot
from bot.kit import pages
from bot.kit.pages import Block, Listing
from core.clock import ManualClock
from core.config import Settings
from tests.bot.helpers import one_sentence
from tests.conftest import Program, Server

# A line as the renderers write it must come out whole: these are the markup tokens a cut would break.
TOKEN = re.compile(r"<t:\d+:[A-Za-z]>|<@\d+>|`[^`\n]*`|\*\*[^*\n]*\*\*")


# ---- what the user sees -----------------------------------------------------------------------------


def check_limits(message: Any) -> None:
    """Every Discord limit on one message (NOTES "Discord message limits")."""
    assert len(message.content or "") <= pages.CONTENT_LIMIT
    assert len(message.embeds) <= 10
    total = 0
    for embed in message.embeds:
        assert len(embed.title or "") <= pages.TITLE_LIMIT
        assert len(embed.description or "") <= pages.DESCRIPTION_LIMIT
        assert len(embed.fields) <= pages.FIELDS_LIMIT
        for item in embed.fields:
            assert (item.name or "").strip()
            assert (item.value or "").strip()
            assert len(item.name or "") <= pages.FIELD_NAME_LIMIT
            assert len(item.value or "") <= pages.FIELD_VALUE_LIMIT
        assert len(embed.footer.text or "") <= pages.FOOTER_LIMIT
        total += len(embed)  # discord.py counts what Discord counts toward the 6,000
    assert total <= pages.EMBED_TOTAL_LIMIT
    rows = message.components
    assert len(rows) <= 5
    assert all(len(row["components"]) <= 5 for row in rows)


def arrows(message: Any) -> dict[str, bool]:
    """The page buttons on a message: label -> pressable."""
    return {
        button["label"]: not button.get("disabled", False)
        for row in message.components
        for button in row["components"]
    }


async def read_all_pages(who: Any, result: Any) -> list[discord.Embed]:
    """Press ▶ until the last page, checking each page's limits, footer and arrows on the way."""
    message = result.response
    check_limits(message)
    seen = [message.embeds[0]]
    if not message.components:
        assert seen[0].footer.text is None  # one page: no "page 1 of 1", no buttons
        return seen
    count = int(re.fullmatch(r"Page 1 of (\d+)", seen[0].footer.text or "")[1])  # type: ignore[index]
    assert count > 1
    for number in range(2, count + 1):
        assert arrows(message) == {"◀": number > 2, "▶": True}
        pressed = await who.click(message, label="▶")
        assert pressed.acknowledged
        message = result.response  # the same reply, edited in place
        check_limits(message)
        (embed,) = message.embeds
        assert embed.footer.text == f"Page {number} of {count}"
        seen.append(embed)
    assert arrows(message) == {"◀": True, "▶": False}
    return seen


def all_lines(embeds: list[discord.Embed]) -> list[str]:
    return [line for embed in embeds for item in embed.fields for line in (item.value or "").split("\n")]


def no_errors(server: Server) -> None:
    assert server.env.errors == []


# ---- building a busy server fast, through core --------------------------------------------------------


def program(server: Server, clock: ManualClock, guild: Any = None) -> Program:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return Program(bot.service, clock, guild_id=(guild or server.guild).id)


async def restart(server: Server, settings: Settings, clock: ManualClock) -> None:
    """A new bot on the same settings, database and clock (what a restart is)."""
    old = server.env.bot
    await server.env.restart_bot(create_bot(settings, clock=clock))
    await old.close()


STUDENTS = range(900_000, 900_100)


# ---- /roster: a mentor with 100 students ------------------------------------------------------------


async def test_a_mentor_with_100_students_reads_them_all_page_by_page(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mia = server.mentor.id
    await here.mentor(mia, seats=100)
    for student in STUDENTS:  # every tenth pack ends in 10 days, not 90
        await here.grant(
            student, mia, sessions=1 if student % 10 == 0 else 4, valid_days=10 if student % 10 == 5 else None
        )
    for student in STUDENTS[::10]:  # ten students used their only session: their seats are in grace
        await here.complete(student, mia)

    result = await server.mentor.slash(server.channel, "roster")

    assert result.ephemeral
    seen = await read_all_pages(server.mentor, result)
    assert len(seen) > 1
    assert all(
        embed.title == "Your students" and embed.description == "100 of 100 seats held" for embed in seen
    )
    blocks = [item for embed in seen for item in embed.fields]
    assert Counter(item.name for item in blocks) == Counter(f"student{student}" for student in STUDENTS)
    assert [item.name for item in blocks[:10]] == [f"student{student}" for student in STUDENTS[::10]]
    assert all("⏳ in grace" in (item.value or "") for item in blocks[:10])  # grace first
    assert [item.name for item in blocks[10:20]] == [
        f"student{student}" for student in STUDENTS[5::10]
    ]  # expiring
    no_errors(server)


async def test_the_caller_goes_back_and_forth_and_only_the_caller_may_turn_the_pages(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mia = server.mentor.id
    await here.mentor(mia, seats=100)
    for student in STUDENTS:
        await here.grant(student, mia)
    result = await server.mentor.slash(server.channel, "roster")
    first = result.response.embeds[0].to_dict()

    await server.mentor.click(result.response, label="▶")
    second = result.response.embeds[0]
    await server.mentor.click(result.response, label="◀")

    assert second.footer.text is not None
    assert second.footer.text.startswith("Page 2 of ")
    assert second.fields[0].name != first["fields"][0]["name"]
    assert result.response.embeds[0].to_dict() == first

    # Bob cannot see Mia's private reply, so no real client lets him press it; a forged press (what
    # the check is for) is refused privately and leaves her page as it was.
    stored = server.env.backend.get_message(result.response.channel_id, result.response.id)
    (row,) = stored.components
    forward = next(button for button in row["components"] if button["label"] == "▶")
    press = await _component_interaction(
        server.other_student,
        stored,
        {"custom_id": forward["custom_id"], "component_type": discord.ComponentType.button.value},
    )
    assert press.ephemeral
    refusal = press.response.content
    assert refusal == f"Only {server.mentor.mention} can turn these pages; run /roster to see your own list."
    assert one_sentence(refusal)
    assert result.response.embeds[0].to_dict() == first
    no_errors(server)


async def test_a_press_after_the_pages_expired_or_a_restart_builds_the_list_again(
    server: Server, clock: ManualClock, settings: Settings
) -> None:
    here = program(server, clock)
    mia = server.mentor.id
    await here.mentor(mia, seats=100)
    for student in STUDENTS:
        await here.grant(student, mia)
    late = await server.mentor.slash(server.channel, "roster")
    fresh = await server.mentor.slash(server.channel, "roster")
    pages_seen = await read_all_pages(server.mentor, await server.mentor.slash(server.channel, "roster"))

    clock.advance(pages.KEPT_FOR + timedelta(seconds=1))
    expired = await server.mentor.click(late.response, label="▶")
    await restart(server, settings, clock)
    after_restart = await server.mentor.click(fresh.response, label="▶")

    for pressed, reply in ((expired, late), (after_restart, fresh)):
        assert pressed.acknowledged
        (embed,) = reply.response.embeds  # the same reply, turned to page 2 in place
        assert embed.to_dict() == pages_seen[1].to_dict()
        assert arrows(reply.response) == {"◀": True, "▶": True}
        check_limits(reply.response)
    # And on to the end and back, on the new bot.
    for number in (3, 4):
        await server.mentor.click(fresh.response, label="▶")
        assert fresh.response.embeds[0].to_dict() == pages_seen[number - 1].to_dict()
    assert arrows(fresh.response) == {"◀": True, "▶": False}
    await server.mentor.click(fresh.response, label="◀")
    assert fresh.response.embeds[0].footer.text == "Page 3 of 4"
    no_errors(server)


async def test_a_list_of_someone_else_is_built_again_for_the_option_it_was_asked_for(
    server: Server, clock: ManualClock, settings: Settings
) -> None:
    here = program(server, clock)
    mia = server.mentor.id
    await here.mentor(mia, seats=100)
    await here.mentor(server.other_student.id, seats=1)  # another mentor, whose roster is short
    for student in STUDENTS:
        await here.grant(student, mia)
    asked = await server.admin.slash(server.channel, "roster", mentor=server.mentor)
    first = asked.response.embeds[0]
    assert first.title == "mia's students"

    await restart(server, settings, clock)
    await server.admin.click(asked.response, label="▶")

    (page,) = asked.response.embeds
    assert page.footer.text == "Page 2 of 4"
    assert (page.title, page.description) == (first.title, first.description)  # mia's, not another's
    assert {item.name for item in page.fields} <= {f"student{student}" for student in STUDENTS}
    no_errors(server)


# ---- /seats: 60 mentors with 120 seats in grace -------------------------------------------------------


async def test_60_mentors_with_120_seats_in_grace_all_show_under_their_mentor(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mentors = range(800_000, 800_060)
    grace: dict[int, list[int]] = {}
    for number, mentor in enumerate(mentors):
        await here.mentor(mentor, seats=3)
        grace[mentor] = [900_000 + 2 * number, 900_000 + 2 * number + 1]
        for student in grace[mentor]:
            await here.grant(student, mentor, sessions=1)
            await here.complete(student, mentor)

    result = await server.admin.slash(server.channel, "seats")

    assert result.ephemeral
    seen = await read_all_pages(server.admin, result)
    assert len(seen) > 1
    assert all(embed.description == "120 of 180 seats held · 120 in grace" for embed in seen)
    blocks = {item.name: item.value for embed in seen for item in embed.fields}
    assert len(blocks) == 60  # each mentor once, never split across fields or pages
    for mentor, students in grace.items():
        first, *under = blocks[f"mentor{mentor}"].split("\n")
        assert first == "`■■□` 2 of 3 seats held"
        assert [line.split(" — ")[0] for line in under] == [f"⏳ student{student}" for student in students]
    no_errors(server)


# ---- /mysessions in a DM: 4 servers × 3 mentors × 4 packs ---------------------------------------------


async def test_a_student_in_4_servers_with_3_mentors_each_and_4_packs_each_sees_every_pack(
    server: Server, clock: ManualClock
) -> None:
    guilds = [server.guild] + [server.env.create_guild(name=f"Academy {n}") for n in (2, 3, 4)]
    alice = server.users["alice"]
    expected: set[str] = set()
    booked: list[int] = []
    for number, guild in enumerate(guilds):
        if guild is not server.guild:
            guild.add_member(alice)
        there = program(server, clock, guild)
        for mentor in range(800_000 + 10 * number, 800_003 + 10 * number):
            await there.mentor(mentor, seats=1)
            for days in (30, 60, 90, 120):
                await there.grant(alice.id, mentor, valid_days=days)
            for week in range(1, 7):  # a session a week booked ahead with each mentor
                at = clock.now() + timedelta(weeks=week, hours=mentor % 100)
                booked.append((await there.schedule(alice.id, mentor, at=at)).session_id)
            expected.add(f"mentor{mentor} · {guild.name}")

    result = await alice.slash("mysessions")

    assert result.ephemeral
    seen = await read_all_pages(alice, result)
    blocks = [item for embed in seen for item in embed.fields]
    assert {item.name for item in blocks} == expected
    assert len(blocks) == 12
    assert sum(item.value.count("0 of 4 used · **4 left**") for item in blocks) == 48
    lines = all_lines(seen)
    assert all(sum(line.endswith(f"· #{session}") for line in lines) == 1 for session in booked)
    assert len(seen) > 1
    no_errors(server)


# ---- a seat with 20 packs -------------------------------------------------------------------------------


async def test_a_seat_with_20_packs_goes_on_in_a_second_field_without_cutting_a_line(
    server: Server, clock: ManualClock
) -> None:
    here = program(server, clock)
    mia, alice = server.mentor.id, server.student.id
    await here.mentor(mia, seats=1)
    granted = [await here.grant(alice, mia, sessions=5, valid_days=10 + day) for day in range(20)]
    booked = [
        await here.schedule(alice, mia, at=clock.now() + timedelta(days=1, hours=hour)) for hour in range(3)
    ]

    result = await server.student.slash(server.channel, "mysessions")

    seen = await read_all_pages(server.student, result)
    names = [item.name for embed in seen for item in embed.fields]
    assert names == [f"mentor{mia}", f"mentor{mia} (continued)"]
    lines = all_lines(seen)
    for pack in granted:  # every pack once, by its own end date
        assert sum(f"ends <t:{int(pack.ends_at.timestamp())}:D>" in line for line in lines) == 1
    for session in booked:
        assert sum(line.endswith(f"· #{session.session_id}") for line in lines) == 1
    for line in lines:  # whole lines: a cut would leave a stray ` * < or an ellipsis
        rest = TOKEN.sub("", line)
        assert not re.search(r"[`*<>]|…", rest), line
    no_errors(server)


# ---- the paginator on its own: any listing, every limit, nothing lost -----------------------------------

line_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=1500)


@settings(max_examples=60, deadline=None)
@example(title="Seats", summary="", blocks=[Block(" ", (" ", "\u3000")), Block("", ())])  # blanks
@example(title="x" * 400, summary="", blocks=[Block("y" * 300, ("z" * 2000,) * 4)] * 30)  # too long
@given(
    title=st.text(min_size=1, max_size=400),
    summary=st.text(max_size=300),
    blocks=st.lists(
        st.builds(Block, title=st.text(max_size=300), lines=st.lists(line_text, max_size=30).map(tuple)),
        max_size=60,
    ),
)
def test_any_listing_comes_out_in_pages_within_every_limit_with_every_line_in_order(
    title: str, summary: str, blocks: list[Block]
) -> None:
    listing = Listing(title=title, summary=summary, blocks=tuple(blocks), empty="Nothing here.")

    embeds = pages.paginate(listing)

    assert embeds
    for number, embed in enumerate(embeds, start=1):
        assert len(embed) <= pages.EMBED_TOTAL_LIMIT
        assert len(embed.title or "") <= pages.TITLE_LIMIT
        assert len(embed.description or "") <= pages.DESCRIPTION_LIMIT
        assert len(embed.fields) <= pages.FIELDS_LIMIT
        assert all((item.name or "").strip() for item in embed.fields)  # Discord refuses a blank one
        assert all((item.value or "").strip() for item in embed.fields)
        assert all(len(item.name or "") <= pages.FIELD_NAME_LIMIT for item in embed.fields)
        assert all(len(item.value or "") <= pages.FIELD_VALUE_LIMIT for item in embed.fields)
        assert embed.footer.text == (f"Page {number} of {len(embeds)}" if len(embeds) > 1 else None)
    shown = [line for embed in embeds for item in embed.fields for line in (item.value or "").split("\n")]
    written = [pages.clip(line, pages.FIELD_VALUE_LIMIT) for block in blocks for line in block.lines]

    # Every line, in order; a line longer than a field (never one of ours) ends visibly in "…".
    def kept(lines: list[str]) -> list[str]:
        return [line for line in lines if line.strip() and line != pages.EMPTY_VALUE]

    assert kept(shown) == kept(written)
