"""The web door inside a running bot (R24): started in ``setup_hook`` at ``bot.web_url``, stopped when
the bot closes; ``/healthz`` reads the bot's own database, sweep and gateway; ``/metrics`` counts what
the bot did (commands, refusals, DMs, sweeps), each bot in its own registry."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
import pytest

from bot import create_bot
from bot.app import MentorBot
from core.clock import ManualClock
from core.config import Settings
from tests.bot.helpers import Desk, refused
from tests.conftest import Server


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


def sample(metrics: str, name: str) -> float:
    """The value of one sample (``name`` with its labels, as Prometheus writes it)."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.MULTILINE)
    assert found is not None, f"no sample {name} in:\n{metrics}"
    return float(found.group(1))


async def test_a_started_bot_serves_its_web_door_at_web_url(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = the_bot(server)
    assert bot.web_url is not None
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", bot.web_url)
    assert not bot.web_url.endswith(":0")
    async with http.get(f"{bot.web_url}/healthz") as response:
        body = await response.json()
    assert response.status == 200, body
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "sweep", "gateway"}


async def test_two_bots_run_at_once_each_with_its_own_port(
    server: Server, settings: Settings, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    first = the_bot(server)
    other = create_bot(settings, clock=clock)
    await server.env.restart_bot(other)  # the first bot keeps running until it is closed
    try:
        assert other.web_url is not None
        assert first.web_url is not None
        assert other.web_url != first.web_url
        for bot in (first, other):
            async with http.get(f"{bot.web_url}/healthz") as response:
                assert response.status == 200
    finally:
        await first.close()
        await other.close()  # SimCord detaches a bot without closing it


async def test_closing_the_bot_stops_its_web_door(
    server: Server, settings: Settings, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    old = the_bot(server)
    url = old.web_url
    new = create_bot(settings, clock=clock)
    await server.env.restart_bot(new)
    await old.close()
    try:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(f"{url}/healthz"):
                pass
    finally:
        await new.close()  # SimCord detaches a bot without closing it


async def test_healthz_names_a_late_sweep_of_the_running_bot(
    server: Server, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    bot = the_bot(server)
    await bot.run_sweep()
    clock.advance(timedelta(minutes=2 * bot.settings.sweep_interval_minutes + 1))
    async with http.get(f"{bot.web_url}/healthz") as response:
        body = await response.json()
    assert response.status == 503
    assert body["failed"] == ["sweep"]
    assert "late" in body["checks"]["sweep"]["detail"]

    await bot.run_sweep()
    async with http.get(f"{bot.web_url}/healthz") as response:
        assert response.status == 200


async def test_healthz_names_the_database_when_the_bots_database_does_not_answer(
    server: Server, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = the_bot(server)

    def gone(tx: object) -> None:
        raise ConnectionRefusedError("the database went away")

    monkeypatch.setattr("bot.web.health.database_answers", gone)
    async with http.get(f"{bot.web_url}/healthz") as response:
        body = await response.json()
    assert response.status == 503
    assert body["failed"] == ["database"]


async def test_metrics_count_the_bots_commands_refusals_dms_and_sweeps(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = the_bot(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=2)
    await desk.complete()  # one left: a DM to Alice
    await refused(server, server.student.slash(server.channel, "complete", student=server.student))
    sweeps = sample(bot.metrics.render()[0].decode(), "mentorbot_sweep_duration_seconds_count")
    await bot.run_sweep()

    async with http.get(f"{bot.web_url}/metrics") as response:
        text = await response.text()
    assert response.status == 200
    assert sample(text, 'mentorbot_commands_total{command="mentor add"}') == 1
    assert sample(text, 'mentorbot_commands_total{command="pack grant"}') == 1
    assert sample(text, 'mentorbot_commands_total{command="complete"}') == 2
    assert sample(text, 'mentorbot_refusals_total{command="complete"}') == 1
    assert sample(text, "mentorbot_dms_sent_total") >= 1  # the 'one left' DM to Alice
    assert sample(text, "mentorbot_dms_waiting") == 0
    assert sample(text, "mentorbot_sweep_duration_seconds_count") == sweeps + 1
