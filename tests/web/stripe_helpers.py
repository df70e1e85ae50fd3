"""Stripe as the tests play it: events shaped as Stripe sends them, signed as Stripe signs them with a
server's endpoint secret, posted over real HTTP to a running bot's ``/stripe/<server id>``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiohttp

from bot.app import MentorBot
from bot.web import stripe_path, stripe_signature
from tests.conftest import Server, environment

SECRET = "whsec_test_0123456789abcdef"
PAYMENT_LINK = "https://buy.stripe.com/test_00g5mA"


def the_bot(server: Server) -> MentorBot:
    bot = server.env.bot
    assert isinstance(bot, MentorBot)
    return bot


def selling_through_stripe(server: Server) -> MentorBot:
    """The bot's servers sell through Stripe (a Payment Link and its webhook secret set)."""
    bot = the_bot(server)
    environment(bot, stripe_payment_link=PAYMENT_LINK, stripe_webhook_secret=SECRET)
    return bot


def checkout(
    server_id: int,
    user_id: int | None,
    *,
    checkout_id: str = "cs_test_a1",
    payment_intent: str = "pi_test_a1",
    paid: bool = True,
    email: str = "alice@example.org",
    metadata: dict[str, str] | None = None,
    event_type: str = "checkout.session.completed",
    reference: str | None = None,
) -> dict[str, Any]:
    """A ``checkout.session.completed`` as Stripe sends it for a Payment Link."""
    return {
        "id": f"evt_{checkout_id}_{event_type.rsplit('.', 1)[-1]}",
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": checkout_id,
                "object": "checkout.session",
                "mode": "payment",
                "payment_status": "paid" if paid else "unpaid",
                "payment_intent": payment_intent,
                "payment_link": "plink_test_1",
                "client_reference_id": reference
                if reference is not None
                else (f"{server_id}_{user_id}" if user_id is not None else None),
                "customer_details": {"email": email},
                "metadata": metadata or {},
                "amount_total": 20000,
                "currency": "eur",
            }
        },
    }


def refund(
    *,
    charge_id: str = "ch_test_a1",
    payment_intent: str = "pi_test_a1",
    amount: int = 20000,
    refunded: int = 20000,
) -> dict[str, Any]:
    """A ``charge.refunded`` as Stripe sends it (``amount_refunded``: the total so far)."""
    return {
        "id": f"evt_{charge_id}_{refunded}",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": charge_id,
                "object": "charge",
                "payment_intent": payment_intent,
                "amount": amount,
                "amount_refunded": refunded,
                "refunded": refunded >= amount,
            }
        },
    }


def signed(body: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    return {"Stripe-Signature": stripe_signature(body, secret, at), "Content-Type": "application/json"}


async def post(
    http: aiohttp.ClientSession,
    bot: MentorBot,
    server_id: int | str,
    event: Any = None,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    secret: str = SECRET,
    at: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """Post ``event`` (or ``body`` as is) to the bot's webhook for ``server_id``, signed with
    ``secret`` at ``at`` (the bot's now) unless ``headers`` are given; the status and JSON answer."""
    assert bot.web_url is not None
    raw = body if body is not None else json.dumps(event).encode()
    sent = headers if headers is not None else signed(raw, at or bot.clock.now(), secret)
    async with http.post(f"{bot.web_url}{stripe_path(server_id)}", data=raw, headers=sent) as response:
        answer = await response.json() if response.content_type == "application/json" else {}
        return response.status, answer
