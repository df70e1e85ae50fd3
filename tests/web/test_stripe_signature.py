"""Stripe webhook signatures: a body is believed only with a valid ``Stripe-Signature`` made with the
server's secret over exactly that body, at most five minutes old by the bot's clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe

from bot.web import BadSignature, NotAnEvent, stripe_signature, verify_stripe_event
from tests.conftest import START

SECRET = "whsec_test_server_secret"
EVENT = {"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": {}}}
BODY = json.dumps(EVENT).encode()


def test_a_body_signed_with_the_servers_secret_is_the_event() -> None:
    header = stripe_signature(BODY, SECRET, START)
    assert verify_stripe_event(BODY, header, SECRET, now=START + timedelta(seconds=30)) == EVENT


def test_the_signature_is_made_as_stripe_makes_it() -> None:
    ours = stripe_signature(BODY, SECRET, START)
    theirs = stripe.WebhookSignature.generate_signature_header(
        BODY.decode(), SECRET, timestamp=int(START.timestamp())
    )
    assert ours == theirs


def test_one_of_several_signatures_may_match_while_stripe_rolls_the_secret() -> None:
    old = stripe_signature(BODY, "whsec_old", START).split(",")[1]
    header = f"{stripe_signature(BODY, SECRET, START)},{old}"
    assert verify_stripe_event(BODY, header, SECRET, now=START)["id"] == "evt_1"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_a_missing_signature_is_refused(header: str | None) -> None:
    with pytest.raises(BadSignature, match="no Stripe-Signature"):
        verify_stripe_event(BODY, header, SECRET, now=START)


@pytest.mark.parametrize(
    "header",
    [
        "v1=abcdef",  # no time
        "t=1767614400",  # no signature
        "t=soon,v1=abcdef",  # time that is no number
        "signature",
        "t=1767614400,v0=abcdef",  # another scheme only
    ],
)
def test_a_malformed_signature_is_refused(header: str) -> None:
    with pytest.raises(BadSignature, match="malformed"):
        verify_stripe_event(BODY, header, SECRET, now=START)


def test_a_signature_made_with_another_secret_is_refused() -> None:
    header = stripe_signature(BODY, "whsec_another_servers_secret", START)
    with pytest.raises(BadSignature, match="does not match"):
        verify_stripe_event(BODY, header, SECRET, now=START)


def test_a_body_changed_after_signing_is_refused() -> None:
    header = stripe_signature(BODY, SECRET, START)
    changed = BODY.replace(b"evt_1", b"evt_2")
    with pytest.raises(BadSignature, match="does not match"):
        verify_stripe_event(changed, header, SECRET, now=START)


def test_a_signature_older_than_five_minutes_is_refused() -> None:
    header = stripe_signature(BODY, SECRET, START)
    assert verify_stripe_event(BODY, header, SECRET, now=START + timedelta(minutes=5))
    with pytest.raises(BadSignature, match="more than 5 min"):
        verify_stripe_event(BODY, header, SECRET, now=START + timedelta(minutes=5, seconds=1))


def test_a_body_that_is_not_utf8_is_refused() -> None:
    body = b"\xff\xfe" + BODY
    with pytest.raises(BadSignature, match="UTF-8"):
        verify_stripe_event(body, stripe_signature(body, SECRET, START), SECRET, now=START)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"checkout"', b"{not json", b'{"id": "evt_1"}'])
def test_a_signed_body_that_is_not_an_event_is_refused(body: bytes) -> None:
    with pytest.raises(NotAnEvent):
        verify_stripe_event(body, stripe_signature(body, SECRET, START), SECRET, now=START)


def test_without_a_secret_nothing_is_checked() -> None:
    with pytest.raises(ValueError, match="no webhook secret"):
        verify_stripe_event(BODY, stripe_signature(BODY, SECRET, START), "", now=START)
