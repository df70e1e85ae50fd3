"""Running the bot until it is stopped (``mentorbot run``): an unreachable Discord is waited out.

A bot started while the network, DNS or Discord is down fails its login. That is an outage, not a
mistake: each attempt is logged with its error and the wait before the next one, the waits doubling
from ``FIRST_WAIT_S`` up to ``LONGEST_WAIT_S``, for as long as it takes. Each attempt builds a fresh
bot (a failed start leaves discord.py's HTTP session and our setup half made), and closes it before
waiting. Once connected, discord.py reconnects through later outages by itself.

A refused token (``discord.LoginFailure``, Discord's 401) is no outage: it ends the run at once, for
the command to say so in one line. SIGINT (Ctrl+C) and SIGTERM stop the bot cleanly, whether it is
connected or waiting: the bot closes (scheduler stopped, database disposed) and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator

import aiohttp
import discord

log = logging.getLogger(__name__)

FIRST_WAIT_S = 1.0
LONGEST_WAIT_S = 300.0  # five minutes: an outage of hours costs at most five minutes after its end
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def waits(first: float, longest: float) -> Iterator[float]:
    """The waits between attempts: ``first``, twice that, … never more than ``longest``."""
    wait = first
    while True:
        yield wait
        wait = min(wait * 2, longest)


def out_of_reach(error: BaseException) -> bool:
    """Whether ``error`` means Discord could not be reached (worth waiting out), not a refusal."""
    if isinstance(error, discord.LoginFailure):
        return False
    if isinstance(error, discord.HTTPException):
        return error.status >= 500  # Discord's own outage; other answers are about the request
    # Connection refused or reset, DNS, TLS and timeouts (TimeoutError is an OSError).
    return isinstance(error, OSError | aiohttp.ClientError | discord.GatewayNotFound)


async def run_until_stopped(make_bot: Callable[[], discord.Client], token: str) -> None:
    """Run a bot from ``make_bot`` until SIGINT or SIGTERM, starting it again while Discord is out
    of reach. A refused token, or any error that is no outage, is raised."""
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    received: list[str] = []

    def stop(number: signal.Signals) -> None:
        received.append(number.name)
        main.cancel()

    for number in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
            loop.add_signal_handler(number, stop, number)
    try:
        await _attempts(make_bot, token)
    except asyncio.CancelledError:
        if not received:
            raise  # cancelled from inside, not by a signal
        log.info("stopped (%s)", received[0])
    finally:
        for number in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(number)


async def _attempts(make_bot: Callable[[], discord.Client], token: str) -> None:
    delays = waits(FIRST_WAIT_S, LONGEST_WAIT_S)
    attempt = 0
    while True:
        attempt += 1
        bot = make_bot()
        try:
            async with bot:
                await bot.start(token)
            return  # closed from inside
        except Exception as error:
            if not out_of_reach(error):
                raise
            wait = next(delays)
            log.warning(
                "cannot reach Discord (attempt %d: %s: %s); trying again in %gs",
                attempt,
                type(error).__name__,
                error,
                wait,
            )
        await asyncio.sleep(wait)
