"""``POST /stripe/<server id>`` (R23): Stripe's webhook for one server.

In this order, and nothing changes before the last step: a body over ``MAX_BODY`` is 413; a server
the bot does not know, or with no webhook secret set, is 404; the ``Stripe-Signature`` is checked
over the raw body with that server's secret (missing, malformed, wrong or older than five minutes:
400); a signed body that is not a JSON object event is 400; an event type not handled, or an unpaid
checkout, is 200 and ignored. The request is one core use case in one transaction
(``core.purchases.take_stripe_event``: the secret read, the signature checked, then the checkout or
refund taken), answered 200 only once it committed: an error
before that is a 500 and Stripe sends it again; one after it (the answer lost) is a 500 too, and the
retry finds the purchase recorded and changes nothing. The DMs it caused go out after the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from bot.web.door import MAX_BODY
from bot.web.metrics import Metrics
from bot.web.stripe_signature import SIGNATURE_HEADER, BadSignature, NotAnEvent, verify_stripe_event
from core.purchases import (
    Checkout,
    MalformedEvent,
    Refund,
    UnknownServer,
    read_stripe_event,
    take_stripe_event,
)
from core.service import Service

log = logging.getLogger(__name__)

STRIPE_PATH = "/stripe/{guild_id}"
Deliver = Callable[[tuple[int, ...]], Coroutine[Any, Any, object]]


def stripe_path(guild_id: int | str) -> str:
    """The path Stripe posts a server's events to (``PUBLIC_URL`` goes in front of it)."""
    return STRIPE_PATH.replace("{guild_id}", str(guild_id))


def stripe_routes(service: Service, metrics: Metrics, deliver: Deliver) -> list[web.RouteDef]:
    """The webhook route. ``deliver``: sends the DMs a handled event caused (after the answer). A
    server is known when the database is (a mentor registered or a setting made there)."""
    sending: set[asyncio.Task[object]] = set()

    def answer(outcome: str, status: int = 200, detail: str | None = None) -> web.Response:
        metrics.webhook(outcome)
        return web.json_response(
            {"outcome": outcome, **({"detail": detail} if detail else {})}, status=status
        )

    async def stripe_webhook(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return answer("too_large", 413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return answer("too_large", 413)
        guild_id = _server_id(request.match_info["guild_id"])
        if guild_id is None:
            return answer("unknown_server", 404)
        seen: dict[str, Any] = {}

        def open_event(secret: str) -> Checkout | Refund | None:
            event = verify_stripe_event(
                body, request.headers.get(SIGNATURE_HEADER), secret, now=service.clock.now()
            )
            seen.update(event)
            return read_stripe_event(event)

        try:
            handled = await service.write(take_stripe_event, guild_id=guild_id, open_event=open_event)
        except UnknownServer:
            return answer("unknown_server", 404)
        except BadSignature as refused:
            log.warning("Stripe webhook for server %s refused: %s", guild_id, refused.reason)
            return answer("bad_signature", 400, refused.reason)
        except (NotAnEvent, MalformedEvent) as refused:
            log.warning("Stripe webhook for server %s not understood: %s", guild_id, refused)
            return answer("bad_request", 400, str(refused))
        except Exception:  # not committed: Stripe retries
            log.exception(
                "Stripe event %s for server %s failed; Stripe will send it again", seen.get("id"), guild_id
            )
            return answer("error", 500)
        if handled.outcome not in ("duplicate", "ignored"):
            log.info(
                "Stripe %s %s in server %s: %s (purchase %s, pack %s)",
                seen.get("type"),
                seen.get("id"),
                guild_id,
                handled.outcome,
                handled.purchase_id,
                handled.pack_id,
            )
        if handled.notification_ids:
            task: asyncio.Task[object] = asyncio.get_running_loop().create_task(
                deliver(handled.notification_ids)
            )
            sending.add(task)
            task.add_done_callback(sending.discard)
        return answer(handled.outcome)

    return [web.post(STRIPE_PATH, stripe_webhook)]


def _server_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 20 else None
