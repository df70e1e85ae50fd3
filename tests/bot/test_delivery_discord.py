"""Delivery through Discord (SimCord): what Discord's answers lead to, the nonce and the renew button,
restarts and downtime, the scheduler's ticks and the wake-up, and the sharded bot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from discord.ext import commands
from sqlalchemy import select

from bot import create_bot
from bot.app import MentorBot, ShardedMentorBot
from bot.scheduler import DELIVERY_INTERVAL
from core.clock import ManualClock, SystemClock
from core.config import Settings
from core.domain import FIRST_RETRY
from core.schema import notifications
from core.sweep import next_due
from core.tx import Tx
from tests.conftest import START, Server, core_text, environment, sqlite_url

# The hours it names are the hours truly left, so a late warning names fewer than 12.
FINAL_WARNING = "Your seat will be released in "
ONE_LEFT = "You have 1 session remaining."


async def rows(bot: MentorBot, kind: str | None = None) -> list[Any]:
    def read(tx: Tx) -> list[Any]:
        query = select(notifications).order_by(notifications.c.id)
        if kind is not None:
            query = query.where(notifications.c.kind == kind)
        return list(tx.conn.execute(query))

    return await bot.service.read(read)


async def start_pack(server: Server, sessions: int = 2) -> None:
    """Mia mentors Alice, who has a pack of ``sessions``."""
    await server.admin.slash(server.channel, "mentor add", mentor=server.mentor, seats=2)
    await server.admin.slash(
        server.channel, "pack grant", student=server.student, mentor=server.mentor, sessions=sessions
    )


async def complete(server: Server) -> None:
    result = await server.mentor.slash(server.channel, "complete", student=server.student)
    assert result.response is not None
    assert "completed for" in result.response.content


def dm_posts(server: Server, name: str) -> list[Any]:
    """The HTTP requests that posted a message in ``name``'s DM channel."""
    path = f"/channels/{server.users[name].dm_channel.id}/messages"
    return [
        request for request in server.env.http_requests if request.method == "POST" and request.path == path
    ]


def inject_dm_error(server: Server, name: str, **fault: Any) -> None:
    """Make Discord refuse messages to ``name``'s DM channel only (other channels still work)."""
    server.env.inject_error("POST", f"/channels/{server.users[name].dm_channel.id}/messages", **fault)


def wall_delay(bot: MentorBot, job_id: str) -> timedelta | None:
    assert bot.ticks is not None
    job = bot.ticks.scheduler.get_job(job_id)
    if job is None:
        return None
    delay: timedelta = job.next_run_time - SystemClock().now()
    return delay


# ---- what Discord's answers lead to ---------------------------------------------------------------


@pytest.mark.parametrize("code", [50007, 50278])
async def test_dms_closed_without_fallback_fails_it_and_tells_the_mentor(
    server: Server, simcord_bot: MentorBot, code: int
) -> None:
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=code, message="Cannot send messages", times=None)
    await complete(server)
    assert server.dms("alice") == []
    (note,) = server.dms("mia")
    assert f"I could not DM {server.student.mention}" in note
    assert "no fallback channel" in note
    assert f"> {ONE_LEFT}" in note
    assert ("their DMs are closed" if code == 50007 else "they share no server with me") in note
    (one_left,) = await rows(simcord_bot, "one_left")
    assert one_left.status == "failed"
    assert str(code) in one_left.last_error
    # Final: never tried again.
    simcord_bot.clock.advance(timedelta(hours=2))
    await simcord_bot.run_sweep()
    assert len(dm_posts(server, "alice")) == 1
    assert len(server.dms("mia")) == 1


async def test_dms_closed_with_fallback_mentions_the_student_there_and_spares_the_mentor(
    server: Server, simcord_bot: MentorBot
) -> None:
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(simcord_bot, fallback_channel_id=fallback.id)
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=50007, message="Cannot send messages", times=None)
    await complete(server)
    (posted,) = fallback.history()
    assert posted.content.startswith(server.student.mention)
    assert ONE_LEFT in posted.content
    # The student got the message: nothing failed, so the mentor is not told that it did.
    assert server.dms("mia") == []
    (one_left,) = await rows(simcord_bot, "one_left")
    assert one_left.status == "sent"
    assert await rows(simcord_bot, "dm_failed") == []
    (request,) = [r for r in server.env.http_requests if r.path == f"/channels/{fallback.id}/messages"]
    assert request.json["nonce"] == f"mb-{one_left.id}-f"
    # Only the student is pinged (the text also mentions the mentor).
    assert request.json["allowed_mentions"]["users"] == [server.student.id]


async def test_the_fallback_channel_of_one_server_never_carries_another_servers_notification(
    server: Server, simcord_bot: MentorBot
) -> None:
    env = server.env
    fallback = server.guild.create_text_channel("mentorbot-fallback")  # a channel of server A
    environment(simcord_bot, fallback_channel_id=fallback.id)
    # Server B: its own admin, mentor and student, whose DMs are closed.
    other = env.create_guild(name="Other program")
    general = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    for name in ("boss", "tom", "zoe"):
        server.users[name] = env.create_user(name)
    boss = other.add_member(server.users["boss"], roles=[admins])
    tom = other.add_member(server.users["tom"])
    zoe = other.add_member(server.users["zoe"])
    await boss.slash(general, "mentor add", mentor=tom, seats=1)
    await boss.slash(general, "pack grant", student=zoe, mentor=tom, sessions=2)
    inject_dm_error(server, "zoe", status=403, code=50007, message="Cannot send messages", times=None)

    result = await tom.slash(general, "complete", student=zoe)

    assert "completed for" in result.response.content
    assert fallback.history() == []
    assert general.history() == []
    (one_left,) = await rows(simcord_bot, "one_left")
    assert (one_left.guild_id, one_left.status) == (other.id, "failed")
    (note,) = server.dms("tom")
    assert f"I could not DM {zoe.mention}" in note
    assert "no fallback channel" in note
    # Server A's own student still gets the fallback post there.
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=50007, message="Cannot send messages", times=None)
    await complete(server)
    (posted,) = fallback.history()
    assert posted.content.startswith(server.student.mention)
    assert env.errors == []


async def test_a_fallback_channel_that_does_not_exist_fails_it_and_tells_the_mentor(
    server: Server, simcord_bot: MentorBot
) -> None:
    environment(simcord_bot, fallback_channel_id=4242)  # a typo in FALLBACK_CHANNEL_ID: no such channel
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=50007, message="Cannot send messages", times=None)

    await complete(server)

    (one_left,) = await rows(simcord_bot, "one_left")
    assert one_left.status == "failed"
    (note,) = server.dms("mia")
    assert "I could not post in the fallback channel either" in note
    assert [r.path for r in server.env.http_requests if r.path.endswith("/4242/messages")] == []


async def test_a_server_error_on_the_fallback_post_is_retried_like_a_dm(
    server: Server, simcord_bot: MentorBot
) -> None:
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(simcord_bot, fallback_channel_id=fallback.id)
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=50007, message="Cannot send messages", times=None)
    server.env.inject_error("POST", f"/channels/{fallback.id}/messages", status=502, message="Bad Gateway")

    await complete(server)

    assert fallback.history() == []
    (one_left,) = await rows(simcord_bot, "one_left")
    assert (one_left.status, one_left.attempts) == ("pending", 1)
    assert one_left.next_attempt_at - START <= timedelta(minutes=1)
    simcord_bot.clock.advance(FIRST_RETRY)
    report = await simcord_bot.deliver_pending()
    assert report.fallback == 1
    (posted,) = fallback.history()
    assert ONE_LEFT in posted.content
    (one_left,) = await rows(simcord_bot, "one_left")
    assert one_left.status == "sent"
    assert server.dms("mia") == []


async def test_a_fallback_channel_down_for_48_hours_fails_it_and_then_tells_the_mentor(
    server: Server, simcord_bot: MentorBot
) -> None:
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(simcord_bot, fallback_channel_id=fallback.id)
    await start_pack(server)
    inject_dm_error(server, "alice", status=403, code=50007, message="Cannot send messages", times=None)
    server.env.inject_error(
        "POST", f"/channels/{fallback.id}/messages", status=502, message="Bad Gateway", times=None
    )
    await complete(server)
    simcord_bot.clock.advance(timedelta(hours=47))
    await simcord_bot.deliver_pending()
    (one_left,) = await rows(simcord_bot, "one_left")
    assert (one_left.status, one_left.attempts) == ("pending", 2)
    assert server.dms("mia") == []

    simcord_bot.clock.advance(timedelta(hours=1))
    await simcord_bot.deliver_pending()

    (one_left,) = await rows(simcord_bot, "one_left")
    assert one_left.status == "failed"
    (note,) = server.dms("mia")
    assert "I could not post in the fallback channel either" in note
    assert fallback.history() == []


async def test_a_server_error_is_retried_and_the_dm_sent_once(server: Server, simcord_bot: MentorBot) -> None:
    await start_pack(server)
    inject_dm_error(server, "alice", status=500, message="Internal Server Error", times=1)
    await complete(server)
    assert server.dms("alice") == []
    (one_left,) = await rows(simcord_bot, "one_left")
    assert (one_left.status, one_left.attempts) == ("pending", 1)
    assert one_left.next_attempt_at - START <= timedelta(minutes=1)
    simcord_bot.clock.advance(FIRST_RETRY)
    report = await simcord_bot.deliver_pending()
    assert report.sent == 1
    (dm,) = server.dms("alice")
    assert dm.startswith(ONE_LEFT)
    # Both tries carried the row's nonce, so Discord would have deduped a doubled send.
    assert [post.json["nonce"] for post in dm_posts(server, "alice")] == [f"mb-{one_left.id}"] * 2
    assert all(post.json["enforce_nonce"] for post in dm_posts(server, "alice"))
    simcord_bot.clock.advance(timedelta(hours=1))
    await simcord_bot.run_sweep()
    assert len(server.dms("alice")) == 1
    assert server.dms("mia") == []


async def test_renewal_dms_carry_the_renew_link_and_others_do_not(
    server: Server, simcord_bot: MentorBot
) -> None:
    environment(simcord_bot, renew_url="https://example.com/renew")
    await start_pack(server, sessions=2)
    await server.mentor.slash(
        server.channel, "schedule", student=server.student, when=(START + timedelta(days=2)).isoformat()
    )
    # A booking later than the hour: /complete asks (R3), and the mentor records a new session now.
    asked = await server.mentor.slash(server.channel, "complete", student=server.student)
    await server.mentor.click(asked.response, label="Record a new session now")  # unscheduled: 1 of 2
    booked, one_left = server.users["alice"].dm_channel.history()
    assert "booked a 60-minute session" in booked.content
    assert core_text(one_left.content).startswith(ONE_LEFT)

    def buttons(message: discord.Message) -> list[str | None]:
        return [child.url for row in message.components for child in row.children]  # type: ignore[union-attr]

    assert buttons(one_left) == ["https://example.com/renew"]
    assert buttons(booked) == []


# ---- restarts and downtime ------------------------------------------------------------------------


async def restart(server: Server, old: MentorBot, settings: Settings, clock: ManualClock) -> MentorBot:
    """Stop ``old`` and start a new bot process on the same database."""
    await old.close()
    new = create_bot(settings, clock=clock)
    await server.env.restart_bot(new)
    return new


async def test_a_restart_delivers_what_was_pending_once(
    server: Server, simcord_bot: MentorBot, settings: Settings, clock: ManualClock
) -> None:
    await start_pack(server)
    inject_dm_error(server, "alice", status=502, message="Bad Gateway", times=None)  # Discord is down
    await complete(server)
    await complete(server)
    assert server.dms("alice") == []
    assert server.dms("mia") == [server.dms("mia")[0]]
    pending = [row.kind for row in await rows(simcord_bot) if row.status == "pending"]
    assert sorted(pending) == ["one_left", "pack_complete"]
    server.env.backend.faults.clear()  # Discord is back
    clock.advance(timedelta(minutes=5))
    bot = await restart(server, simcord_bot, settings, clock)
    await bot.deliver_pending()
    dms = server.dms("alice")
    # "1 session remaining" no longer applies once the pack is complete: it is dropped, not sent late.
    assert [text.split("\n")[0] for text in dms] == [
        "Your pack is complete. Renew within 72 hours to keep your seat.",
    ]
    assert {row.kind: row.status for row in await rows(bot)}["one_left"] == "dropped"
    assert all(row.status == "sent" for row in await rows(bot) if row.kind != "one_left")
    clock.advance(timedelta(hours=1))
    await bot.run_sweep()
    assert len(server.dms("alice")) == 1


async def test_downtime_across_the_final_warning_catches_up_once_then_releases(
    server: Server, simcord_bot: MentorBot, settings: Settings, clock: ManualClock
) -> None:
    await start_pack(server, sessions=1)
    await complete(server)
    await simcord_bot.close()  # the bot is down from 0 h ...
    clock.advance(timedelta(hours=66))  # ... past the final warning's moment (60 h)
    bot = create_bot(settings, clock=clock)
    await server.env.restart_bot(bot)
    # The sweep the scheduler runs once at start caught up.
    assert [text for text in server.dms("alice") if text.startswith(FINAL_WARNING)] != []
    await bot.run_sweep()
    await bot.run_sweep()
    warnings = [text for text in server.dms("alice") if text.startswith(FINAL_WARNING)]
    assert len(warnings) == 1
    clock.advance(timedelta(hours=6))
    await bot.run_sweep()
    assert server.dms("alice")[-1] == (
        f"Your seat with {server.mentor.mention} has been released. Your grace period ended without a renewal."
    )
    assert "has been released" in server.dms("mia")[-1]
    assert len([text for text in server.dms("alice") if text.startswith(FINAL_WARNING)]) == 1


async def test_downtime_past_the_grace_end_sends_only_the_release(
    server: Server, simcord_bot: MentorBot, settings: Settings, clock: ManualClock
) -> None:
    await start_pack(server, sessions=1)
    await complete(server)
    clock.advance(timedelta(hours=80))
    bot = await restart(server, simcord_bot, settings, clock)
    await bot.run_sweep()
    assert not any(text.startswith(FINAL_WARNING) for text in server.dms("alice"))
    assert server.dms("alice")[-1] == (
        f"Your seat with {server.mentor.mention} has been released. Your grace period ended without a renewal."
    )
    assert await rows(bot, "final_warning") == []


# ---- the scheduler: ticks and the wake-up ---------------------------------------------------------


async def test_the_ticks_run_with_no_misfire_grace_and_coalesced(
    server: Server, simcord_bot: MentorBot, settings: Settings
) -> None:
    assert simcord_bot.ticks is not None
    scheduler = simcord_bot.ticks.scheduler
    assert scheduler.running
    sweep, delivery = scheduler.get_job("sweep"), scheduler.get_job("delivery")
    assert sweep.trigger.interval == timedelta(minutes=settings.sweep_interval_minutes)
    assert delivery.trigger.interval == DELIVERY_INTERVAL == timedelta(seconds=15)
    await start_pack(server, sessions=1)
    await complete(server)
    for job in (sweep, delivery, scheduler.get_job("wakeup")):
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (None, True, 1)
    # The sweep "once at start" already ran: the next run is an interval away.
    next_sweep = wall_delay(simcord_bot, "sweep")
    assert next_sweep is not None
    assert next_sweep > timedelta(minutes=settings.sweep_interval_minutes - 1)


async def test_a_command_and_a_sweep_arm_the_wakeup_for_the_next_due_moment(
    server: Server, simcord_bot: MentorBot, clock: ManualClock
) -> None:
    bot = simcord_bot
    await start_pack(server, sessions=1)
    await complete(server)  # grace until 72 h: the final warning is due at 60 h
    assert await bot.service.read(next_due) == START + timedelta(hours=60)
    delay = wall_delay(bot, "wakeup")
    assert delay is not None
    assert abs(delay - timedelta(hours=60)) < timedelta(seconds=30)
    clock.advance(timedelta(hours=60))
    await bot.run_sweep()
    assert FINAL_WARNING in server.dms("alice")[-1]
    assert await bot.service.read(next_due) == START + timedelta(hours=72)
    delay = wall_delay(bot, "wakeup")
    assert delay is not None
    assert abs(delay - timedelta(hours=12)) < timedelta(seconds=30)
    clock.advance(timedelta(hours=12))
    await bot.run_sweep()
    assert "has been released" in server.dms("alice")[-1]
    assert await bot.service.read(next_due) is None
    assert wall_delay(bot, "wakeup") is None  # nothing is due: no wake-up


async def test_a_missed_tick_loses_nothing(
    server: Server, simcord_bot: MentorBot, clock: ManualClock
) -> None:
    bot = simcord_bot
    assert bot.ticks is not None
    await start_pack(server, sessions=1)
    await complete(server)
    # The one-off wake-up is lost (APScheduler drops a one-off job when it hands it to the executor,
    # so a crash at that moment loses it), and time runs past the warning.
    bot.ticks.scheduler.remove_job("wakeup")
    clock.advance(timedelta(hours=63))
    # The next interval tick, whenever it comes, finds the deadline in the database.
    await bot.ticks.scheduler.get_job("sweep").func()
    await bot.ticks.scheduler.get_job("sweep").func()
    await bot.ticks.scheduler.get_job("delivery").func()
    assert len([text for text in server.dms("alice") if text.startswith(FINAL_WARNING)]) == 1
    delay = wall_delay(bot, "wakeup")  # and the wake-up is armed again, for the grace end
    assert delay is not None
    assert abs(delay - timedelta(hours=9)) < timedelta(seconds=30)


# ---- several processes: the sharded bot -----------------------------------------------------------


def test_shard_settings_build_an_auto_sharded_bot(tmp_path: Path) -> None:
    settings = Settings(
        discord_token="test", database_url=sqlite_url(tmp_path), shard_count=4, shard_ids="2,3"
    )
    bot = create_bot(settings, clock=ManualClock(START))
    assert isinstance(bot, ShardedMentorBot)
    assert isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])
    plain = create_bot(Settings(discord_token="test", database_url=sqlite_url(tmp_path)))
    assert not isinstance(plain, commands.AutoShardedBot)


async def test_a_sharded_bot_runs_commands_and_delivers(tmp_path: Path) -> None:
    settings = Settings(
        discord_token="test", database_url=sqlite_url(tmp_path), shard_count=2, shard_ids="0,1"
    )
    bot = create_bot(settings, clock=ManualClock(START))
    assert isinstance(bot, ShardedMentorBot)
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild(name="Mentorship")
        channel = guild.create_text_channel("general")
        admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(env.create_user("ada"), roles=[admins])
        mentor = guild.add_member(env.create_user("mia"))
        alice = env.create_user("alice")
        student = guild.add_member(alice)
        await admin.slash(channel, "mentor add", mentor=mentor, seats=1)
        await admin.slash(channel, "pack grant", student=student, mentor=mentor, sessions=2)
        await mentor.slash(channel, "complete", student=student)
        assert [core_text(m.content).split("\n")[0] for m in alice.dm_channel.history()] == [
            "You have 1 session remaining. Renew now to continue."
        ]
        assert bot.shard_count == 2
        assert sorted(bot.shards) == [0, 1]
        assert bot.ticks is not None
        assert bot.ticks.scheduler.running
        await bot.close()
    assert not bot.ticks.scheduler.running  # a clean stop on close
