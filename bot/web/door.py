"""The web door (R24): one aiohttp server inside the bot's process, on ``WEB_HOST:WEB_PORT``.

``WebDoor`` owns the ``web.Application``: ``/healthz`` and ``/metrics`` are its own; features add their
routes (``add_routes``) before ``start``, which binds the port and answers the base URL (with port 0,
the port the system picked: test bots run side by side). A port that cannot be bound raises
``WebDoorUnavailable``, one line naming the address and what to do (the CLI prints it and exits 2).

Every request body is capped at ``MAX_BODY`` (a larger one is answered 413 when a route reads it).
A 404 says nothing (empty body), whether no route matched or a route found nothing: a calendar token
that is wrong is not told apart from a path that never existed. The access log never writes a
calendar token (it is the feed's only key).
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.web.health import HealthChecks, health_handler
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)
access_log = logging.getLogger("bot.web.access")

MAX_BODY = 1024 * 1024  # 1 MiB (R23)
# In-flight requests get this long to finish when the door stops.
SHUTDOWN_TIMEOUT_S = 5.0
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
_TOKEN_IN_PATH = re.compile(r"^/calendar/[^/]*")


class WebDoorUnavailable(Exception):
    """The web door could not listen where it was told to; ``str()`` is the one line to print."""


class PortTaken(WebDoorUnavailable):
    """Another program listens on that port already."""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebDoor:
    def __init__(
        self, host: str, port: int, *, health: HealthChecks, metrics: Metrics, max_body: int = MAX_BODY
    ) -> None:
        self.host = host
        self.port = port
        self.metrics = metrics
        self.url: str | None = None
        self._clock = health.clock
        self._up_since: datetime | None = None
        self._runner: web.AppRunner | None = None
        self._started = False
        self.app = web.Application(client_max_size=max_body, middlewares=[_silent_not_found])
        self.app.router.add_get("/healthz", health_handler(health, self._since))
        self.app.router.add_get("/metrics", self._metrics)

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """A feature's routes (``aiohttp.web.get(...)`` and the like); only before ``start``."""
        if self._started:
            raise RuntimeError("the web door has started: add routes before start()")
        self.app.add_routes(routes)

    async def start(self) -> str:
        """Listen on (host, port); returns the base URL (``http://127.0.0.1:<port>``) and sets ``url``."""
        if self._started:
            raise RuntimeError("a web door starts once")
        self._started = True
        runner = web.AppRunner(
            self.app, access_log_class=_RedactedAccessLog, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise _unavailable(self.host, self.port, error) from error
        self._runner = runner
        self._up_since = self._clock.now()
        port = runner.addresses[0][1]
        self.url = f"http://{_url_host(self.host)}:{port}"
        log.info("web door listening at %s", self.url)
        return self.url

    async def stop(self) -> None:
        """Stop listening; requests in flight get ``SHUTDOWN_TIMEOUT_S`` to finish. Safe to repeat."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def _since(self) -> datetime:
        return self._up_since if self._up_since is not None else self._clock.now()

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.metrics.refresh()
        body, content_type = self.metrics.render(request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": content_type})


@web.middleware
async def _silent_not_found(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return web.Response(status=404)


def _unavailable(host: str, port: int, error: OSError) -> WebDoorUnavailable:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return PortTaken(
            f"The web door cannot listen on {where}: another program is using port {port}. "
            "Set WEB_PORT to a free port (0 picks one), or stop the other program."
        )
    if error.errno == errno.EACCES:
        return WebDoorUnavailable(
            f"The web door may not listen on {where}: ports below 1024 need privileges. "
            "Set WEB_PORT to 1024 or above, and let a proxy take port 80/443."
        )
    reason = error.strerror or str(error)
    return WebDoorUnavailable(
        f"The web door cannot listen on {where} ({reason}). "
        "Set WEB_HOST to an address of this machine (127.0.0.1 behind a proxy) and WEB_PORT to a free port."
    )


def _url_host(host: str) -> str:
    """How a client on this machine reaches ``host``: a wildcard is reached on loopback; an IPv6
    address goes in brackets."""
    host = WILDCARDS.get(host, host)
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:  # a name
        return host


class _RedactedAccessLog(AbstractAccessLogger):
    """One line per request at DEBUG (calendar apps poll all day), with no calendar token in it."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        path = _TOKEN_IN_PATH.sub("/calendar/<token>", request.path)
        access_log.debug("%s %s %d %.1f ms", request.method, path, response.status, time * 1000)

    @property
    def enabled(self) -> bool:
        return access_log.isEnabledFor(logging.DEBUG)
