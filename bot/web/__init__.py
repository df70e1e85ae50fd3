"""The web door (R24): an aiohttp server inside the bot's process, beside the Discord layer.

It imports core and aiohttp only, never ``bot.app`` or a feature: the composition root builds the
``WebDoor`` with its health checks and metrics, features add their routes (the calendar feed,
Stripe's webhook), and each route parses, calls core, answers.
"""

from bot.web.calendar import calendar_path, calendar_routes
from bot.web.door import MAX_BODY, PortTaken, WebDoor, WebDoorUnavailable
from bot.web.health import HealthChecks, database_check, waiting_counter
from bot.web.metrics import Metrics
from bot.web.stripe import stripe_path, stripe_routes
from bot.web.stripe_signature import (
    BadSignature,
    NotAnEvent,
    WebhookRejected,
    stripe_signature,
    verify_stripe_event,
)

__all__ = [
    "MAX_BODY",
    "BadSignature",
    "HealthChecks",
    "Metrics",
    "NotAnEvent",
    "PortTaken",
    "WebDoor",
    "WebDoorUnavailable",
    "WebhookRejected",
    "calendar_path",
    "calendar_routes",
    "database_check",
    "stripe_path",
    "stripe_routes",
    "stripe_signature",
    "verify_stripe_event",
    "waiting_counter",
]
