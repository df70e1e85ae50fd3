"""The web door over real HTTP on 127.0.0.1: it listens where it is told (any free port with 0, one
clear line when the port is taken), caps bodies at 1 MiB, says nothing on a 404, and serves
``/healthz`` (which check failed) and ``/metrics`` (each bot its own registry)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from bot.web import MAX_BODY, Metrics, PortTaken, WebDoor, database_check, waiting_counter
from core.db import open_database
from core.domain import Policy
from core.service import Service
from tests.conftest import Program
from tests.web.conftest import SWEEP_INTERVAL, DoorFactory, Probes


async def echo_length(request: web.Request) -> web.Response:
    return web.json_response({"read": len(await request.read())})


ECHO = [web.post("/echo", echo_length)]


async def test_two_doors_on_port_zero_listen_at_once_each_on_its_own_port(
    make_door: DoorFactory, http: aiohttp.ClientSession
) -> None:
    first, second = await make_door(), await make_door()
    assert first.url is not None
    assert second.url is not None
    assert first.url != second.url
    assert first.url.startswith("http://127.0.0.1:")
    for door in (first, second):
        async with http.get(f"{door.url}/healthz") as response:
            assert response.status == 200


@pytest.fixture
def taken_port() -> Iterator[int]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def test_a_taken_port_stops_the_start_with_one_line_naming_it(
    make_door: DoorFactory, taken_port: int
) -> None:
    with pytest.raises(PortTaken) as raised:
        await make_door(port=taken_port)
    message = str(raised.value)
    assert f"127.0.0.1:{taken_port}" in message
    assert "WEB_PORT" in message
    assert "\n" not in message


async def test_a_port_another_door_holds_is_taken(make_door: DoorFactory) -> None:
    first = await make_door()
    assert first.url is not None
    with pytest.raises(PortTaken):
        await make_door(port=int(first.url.rsplit(":", 1)[1]))


async def test_a_body_over_one_mebibyte_is_refused_with_413(
    make_door: DoorFactory, http: aiohttp.ClientSession
) -> None:
    door = await make_door(routes=ECHO)
    async with http.post(f"{door.url}/echo", data=b"x" * MAX_BODY) as response:
        assert response.status == 200
        assert (await response.json()) == {"read": MAX_BODY}
    async with http.post(f"{door.url}/echo", data=b"x" * (MAX_BODY + 1)) as response:
        assert response.status == 413


async def test_a_path_that_does_not_exist_is_a_404_that_says_nothing(
    make_door: DoorFactory, http: aiohttp.ClientSession
) -> None:
    door = await make_door()
    for path in ("/nothing", "/calendar/", "/calendar/abc", "/stripe/1"):
        async with http.get(f"{door.url}{path}") as response:
            assert (response.status, await response.read()) == (404, b""), path


async def test_routes_are_added_before_the_door_starts(make_door: DoorFactory) -> None:
    door = await make_door()
    with pytest.raises(RuntimeError, match="before start"):
        door.add_routes(ECHO)


async def test_a_stopped_door_no_longer_answers(make_door: DoorFactory, http: aiohttp.ClientSession) -> None:
    door = await make_door()
    await door.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await http.get(f"{door.url}/healthz")
    await door.stop()  # a second stop is harmless


# ---- /healthz ----------------------------------------------------------------------------------------


async def health(http: aiohttp.ClientSession, door: WebDoor) -> tuple[int, dict[str, object]]:
    async with http.get(f"{door.url}/healthz") as response:
        return response.status, await response.json()


async def test_healthz_is_200_when_the_database_answers_the_sweep_is_on_time_and_the_gateway_is_up(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes, program: Program
) -> None:
    probes.database = database_check(program.service)  # a real read of the test's database
    status, body = await health(http, await make_door())
    assert status == 200
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "sweep", "gateway"}  # type: ignore[arg-type]


async def test_healthz_is_503_naming_the_database_when_it_does_not_answer(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes
) -> None:
    nowhere = open_database("postgresql+asyncpg://postgres@127.0.0.1:1/none")  # nothing listens there
    try:
        probes.database = database_check(Service(nowhere, probes.clock, Policy()))
        status, body = await health(http, await make_door())
    finally:
        await nowhere.dispose()
    assert status == 503
    assert body["status"] == "failing"
    assert body["failed"] == ["database"]
    detail = body["checks"]["database"]["detail"]  # type: ignore[index]
    assert detail.startswith("unreachable")
    assert "127.0.0.1" not in detail


async def test_healthz_is_503_when_the_database_hangs(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes
) -> None:
    async def hangs() -> None:
        await asyncio.sleep(30)

    probes.database = hangs
    status, body = await health(http, await make_door())
    assert status == 503
    assert body["failed"] == ["database"]
    assert "no answer within" in body["checks"]["database"]["detail"]  # type: ignore[index]


async def test_healthz_is_503_when_the_last_sweep_is_more_than_two_intervals_old(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes
) -> None:
    door = await make_door()
    probes.clock.advance(2 * SWEEP_INTERVAL)
    assert (await health(http, door))[0] == 200  # two intervals: still on time
    probes.clock.advance(timedelta(seconds=1))
    status, body = await health(http, door)
    assert status == 503
    assert body["failed"] == ["sweep"]
    assert "late" in body["checks"]["sweep"]["detail"]  # type: ignore[index]
    probes.last_sweep = probes.clock.now()  # a sweep finishes
    assert (await health(http, door))[0] == 200


async def test_before_the_first_sweep_the_door_counts_from_its_start(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes
) -> None:
    probes.last_sweep = None
    door = await make_door()
    probes.clock.advance(SWEEP_INTERVAL)
    assert (await health(http, door))[0] == 200
    probes.clock.advance(SWEEP_INTERVAL + timedelta(minutes=1))
    status, body = await health(http, door)
    assert status == 503
    assert body["failed"] == ["sweep"]


async def test_healthz_is_503_when_the_gateway_is_not_connected(
    make_door: DoorFactory, http: aiohttp.ClientSession, probes: Probes
) -> None:
    probes.gateway = False
    status, body = await health(http, await make_door())
    assert status == 503
    assert body["failed"] == ["gateway"]
    assert body["checks"]["gateway"] == {"ok": False, "detail": "not connected"}  # type: ignore[index]


# ---- /metrics ----------------------------------------------------------------------------------------

METRIC_NAMES = (
    "mentorbot_commands_total",
    "mentorbot_refusals_total",
    "mentorbot_dms_sent_total",
    "mentorbot_dms_failed_total",
    "mentorbot_dms_waiting",
    "mentorbot_sweep_duration_seconds",
    "mentorbot_sweep_lateness_seconds",
    "mentorbot_webhook_events_total",
)


async def metrics_text(http: aiohttp.ClientSession, door: WebDoor) -> str:
    async with http.get(f"{door.url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def test_metrics_name_every_figure_and_count_what_the_bot_counted(
    make_door: DoorFactory, http: aiohttp.ClientSession
) -> None:
    metrics = Metrics()
    door = await make_door(metrics=metrics)
    metrics.command("complete")
    metrics.command("complete")
    metrics.refusal("complete")
    metrics.dms_sent.inc(3)
    metrics.dms_failed.inc()
    metrics.observe_sweep(0.2, late_s=4.0)
    metrics.webhook("placed")
    text = await metrics_text(http, door)
    for name in METRIC_NAMES:
        assert f"\n{name}" in text, name
    assert 'mentorbot_commands_total{command="complete"} 2.0' in text
    assert 'mentorbot_refusals_total{command="complete"} 1.0' in text
    assert "mentorbot_dms_sent_total 3.0" in text
    assert "mentorbot_dms_failed_total 1.0" in text
    assert "mentorbot_sweep_duration_seconds_count 1.0" in text
    assert "mentorbot_sweep_lateness_seconds 4.0" in text
    assert 'mentorbot_webhook_events_total{outcome="placed"} 1.0' in text
    assert 'mentorbot_webhook_events_total{outcome="bad_signature"} 0.0' in text


async def test_each_bot_counts_in_its_own_registry(
    make_door: DoorFactory, http: aiohttp.ClientSession
) -> None:
    counted, other = Metrics(), Metrics()
    first, second = await make_door(metrics=counted), await make_door(metrics=other)
    counted.command("schedule")
    assert 'command="schedule"' in await metrics_text(http, first)
    assert 'command="schedule"' not in await metrics_text(http, second)


async def test_dms_waiting_are_counted_from_the_database_when_metrics_are_read(
    make_door: DoorFactory, http: aiohttp.ClientSession, program: Program
) -> None:
    await program.mentor()
    await program.grant(sessions=2)
    await program.complete()  # "1 left": one DM owed
    waiting = [row for row in await program.notifications() if row.status == "pending"]
    assert waiting
    metrics = Metrics()
    metrics.waiting = waiting_counter(program.service)
    text = await metrics_text(http, await make_door(metrics=metrics))
    assert f"mentorbot_dms_waiting {float(len(waiting))}" in text


async def test_the_access_log_never_writes_a_calendar_token(
    make_door: DoorFactory, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    door = await make_door()
    secret = "S3cretTokenThatMustNotBeLogged_0123456789ab"
    with caplog.at_level(logging.DEBUG, logger="bot.web.access"):
        async with http.get(f"{door.url}/calendar/{secret}.ics") as response:
            assert response.status == 404
        async with http.get(f"{door.url}/healthz") as response:
            assert response.status == 200
        await asyncio.sleep(0.05)  # the access log line is written after the response
    lines = [record.getMessage() for record in caplog.records if record.name == "bot.web.access"]
    assert any("/calendar/<token>" in line for line in lines), lines
    assert any("/healthz 200" in line for line in lines), lines
    assert all(secret not in line for line in lines)
