"""Stripe webhook signatures (R23): a request is believed only once its raw body carries a valid
``Stripe-Signature`` made with the server's endpoint secret, no older than five minutes; nothing is
read from the body before that.

The header is ``t=<unix time>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`` (several ``v1`` may appear,
while Stripe rolls a secret). The signature itself is checked by the installed ``stripe`` package
(``stripe.WebhookSignature.verify_header``); the age is checked here against the bot's clock, not the
system's (stripe's own age check reads ``time.time()``), so tests and the demo move time as they do
everywhere else. ``stripe_signature`` signs as Stripe does, for tests and the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE = timedelta(minutes=5)


class WebhookRejected(Exception):
    """A webhook request that is not believed or not understood (answered 400, nothing changed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadSignature(WebhookRejected):
    """The signature is missing, malformed, not made with this secret over this body, or too old."""


class NotAnEvent(WebhookRejected):
    """Signed, but the body is not a JSON object with an event ``type``."""


def verify_stripe_event(
    body: bytes, header: str | None, secret: str, *, now: datetime, tolerance: timedelta = TOLERANCE
) -> dict[str, Any]:
    """The event in ``body``, once its ``Stripe-Signature`` ``header`` proves that Stripe sent it with
    ``secret`` at most ``tolerance`` before ``now``; ``BadSignature`` or ``NotAnEvent`` otherwise."""
    if not secret:
        raise ValueError("no webhook secret to check the signature with")
    if header is None or not header.strip():
        raise BadSignature(f"no {SIGNATURE_HEADER} header")
    signed_at = _timestamp(header)
    try:
        # tolerance=None: stripe checks only the signature here; the age is ours, on our clock.
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as error:
        raise BadSignature(f"the signature does not match: {error.user_message or error}") from error
    except UnicodeDecodeError as error:  # stripe reads the body as UTF-8 text, as Stripe signs it
        raise BadSignature("the body is not UTF-8 text, so it is not what Stripe signed") from error
    if signed_at < now - tolerance:
        raise BadSignature(f"signed {_age(now - signed_at)} ago, more than {_age(tolerance)} ago")
    try:
        event = json.loads(body)
    except ValueError as error:
        raise NotAnEvent("the body is not JSON") from error
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise NotAnEvent("the body is not an event (a JSON object with a type)")
    return event


def _timestamp(header: str) -> datetime:
    """The ``t=`` of a signature header, read as stripe reads it; malformed when there is none, it is
    not a whole number, or no ``v1=`` signature comes with it."""
    items = [item.strip().split("=", 1) for item in header.split(",")]
    stamps = [item[1] for item in items if len(item) == 2 and item[0] == "t"]
    signatures = [item[1] for item in items if len(item) == 2 and item[0] == "v1" and item[1]]
    if not stamps or not signatures:
        raise BadSignature(f"malformed {SIGNATURE_HEADER} header (it needs t= and v1=)")
    try:
        return datetime.fromtimestamp(int(stamps[0]), tz=UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise BadSignature(f"malformed {SIGNATURE_HEADER} header (t= is no time)") from error


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def stripe_signature(body: bytes, secret: str, at: datetime) -> str:
    """A ``Stripe-Signature`` header for ``body`` signed with ``secret`` at ``at``, made as Stripe makes
    it (HMAC-SHA256 of ``f"{t}.{body}"``), independently of the package that checks it."""
    timestamp = int(at.timestamp())
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
