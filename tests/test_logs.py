"""The log: one line per event, with the ids that matter, and never the token."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.conftest import Server, sqlite_url

TOKEN = "MTQ1NjA3NDQ0Mzk4.fake-token.for-the-log-tests-4d1e"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The bot under SimCord (``simcord_bot`` in conftest), with a token we can look for."""
    return Settings(discord_token=TOKEN, database_url=sqlite_url(tmp_path), log_level="DEBUG")


async def test_each_event_is_one_line_with_its_ids_and_no_token(
    server: Server, simcord_bot: MentorBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin, mentor, alice, bob, channel = (
        server.admin,
        server.mentor,
        server.student,
        server.other_student,
        server.channel,
    )
    await admin.slash(channel, "mentor add", mentor=mentor, seats=1)
    await admin.slash(channel, "pack grant", student=alice, mentor=mentor, sessions=2)
    await mentor.slash(channel, "complete", student=alice)
    await mentor.slash(channel, "complete", student=alice)
    await admin.slash(channel, "pack grant", student=bob, mentor=mentor)  # refused: no free seat
    clock.advance(timedelta(hours=60))
    await simcord_bot.run_sweep()
    clock.advance(timedelta(hours=12))
    await simcord_bot.run_sweep()

    ours = [record for record in caplog.records if record.name.startswith(("bot", "core"))]
    lines = [record.getMessage() for record in ours]
    text = "\n".join(lines)

    def has(*parts: object) -> bool:
        return any(all(str(part) in line for part in parts) for line in lines)

    assert has(f"user {admin.id} set mentor {mentor.id} to 1 seats", f"in server {server.guild.id}")
    assert has(f"user {admin.id} granted pack 1", f"to student {alice.id} on seat 1", f"mentor {mentor.id}")
    assert has(f"user {mentor.id} completed session 1 for student {alice.id} on pack 1 (1 of 2, 1 left)")
    assert has(f"completed session 2 for student {alice.id} on pack 1 (2 of 2, 0 left); seat in grace until")
    assert has("notification 1 (one_left) sent to user", alice.id)
    assert has("(pack_complete) sent to user", alice.id)
    assert has("(grace_started) sent to user", mentor.id)
    assert has("/pack grant by user", admin.id, "refused:")
    assert has("sweep: final warnings for seats: 1; notifications queued:")
    assert has("(final_warning) sent to user", alice.id)
    assert has("sweep: seats released: 1; notifications queued:")
    assert has("(seat_released) sent to user", alice.id)
    assert has("(seat_released_mentor) sent to user", mentor.id)

    assert all("\n" not in line for line in lines), text
    assert all(record.levelno >= logging.DEBUG for record in ours)
    everything = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert TOKEN not in everything
    # The refusal was an answer, not an error: SimCord recorded no app-command error.
    assert server.env.errors == []
