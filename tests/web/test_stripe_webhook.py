"""``POST /stripe/<server id>`` (R23) over real HTTP to a running bot, signed as Stripe signs with the
server's secret: a paid checkout renews the student's seat through the same placement as a Discord
purchase, once however often it comes; refunds revoke; every bad request changes nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import MentorBot
from core.clock import ManualClock
from core.schema import history, notifications, packs, purchases, seats, stripe_refunds
from tests.bot.helpers import Desk, snapshot
from tests.conftest import Server, environment
from tests.web.stripe_helpers import (
    SECRET,
    checkout,
    post,
    refund,
    selling_through_stripe,
    signed,
)


async def rows(bot: MentorBot, statement: Any) -> list[Any]:
    return await bot.service.db.read(lambda c: list(c.execute(statement)))


async def count(bot: MentorBot, table: Any) -> int:
    (found,) = await rows(bot, select(func.count()).select_from(table))
    return int(found[0])


async def in_grace(server: Server) -> MentorBot:
    """Alice used the last session of her one-session pack with Mia: her seat is in grace."""
    bot = selling_through_stripe(server)
    desk = Desk(server)
    await desk.mentor(seats=1)
    await desk.grant(sessions=1)
    await desk.complete()
    (seat,) = await rows(bot, select(seats))
    assert seat.status == "grace"
    return bot


# ---- a paid checkout ------------------------------------------------------------------------------


async def test_a_paid_checkout_renews_the_seat_in_grace_sized_by_the_links_metadata(
    server: Server, http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    bot = await in_grace(server)
    clock.advance(timedelta(hours=30))
    event = checkout(server.guild.id, server.student.id, metadata={"sessions": "6", "valid_days": "30"})

    status, answer = await post(http, bot, server.guild.id, event)

    assert (status, answer["outcome"]) == (200, "placed")
    (seat,) = await rows(bot, select(seats))
    assert (seat.status, seat.grace_ends_at) == ("active", None)
    renewed = (await rows(bot, select(packs).order_by(packs.c.id)))[-1]
    assert (renewed.sessions_total, renewed.sessions_left, renewed.seat_id) == (6, 6, seat.id)
    assert renewed.ends_at == clock.now() + timedelta(days=30)
    (purchase,) = await rows(bot, select(purchases))
    assert (purchase.status, purchase.pack_id, purchase.user_id, purchase.email) == (
        "placed",
        renewed.id,
        server.student.id,
        "alice@example.org",
    )
    await bot.deliver_pending()
    assert server.dms("alice")[-1] == (
        f"Thank you for your purchase: a pack of 6 sessions with {server.mentor.mention} is on your seat, "
        f"valid until <t:{int(renewed.ends_at.timestamp())}:D>. Your seat is yours again: it is no longer in grace."
    )

    clock.advance(timedelta(hours=60))  # past the old grace deadline: the seat stays
    await bot.run_sweep()
    (seat,) = await rows(bot, select(seats))
    assert seat.status == "active"


async def test_without_metadata_the_pack_has_the_servers_default_size(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    environment(bot, pack_size=5, pack_valid_days=60)
    event = checkout(server.guild.id, server.student.id, metadata={"sessions": "500", "valid_days": "x"})
    assert (await post(http, bot, server.guild.id, event))[0] == 200
    renewed = (await rows(bot, select(packs).order_by(packs.c.id)))[-1]
    assert renewed.sessions_total == 5
    assert renewed.ends_at == bot.clock.now() + timedelta(days=60)


async def test_the_same_checkout_twice_in_a_row_and_ten_times_at_once_grants_one_pack(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    event = checkout(server.guild.id, server.student.id)
    first = await post(http, bot, server.guild.id, event)
    again = await post(http, bot, server.guild.id, event)
    assert (first[0], first[1]["outcome"]) == (200, "placed")
    assert (again[0], again[1]["outcome"]) == (200, "duplicate")

    burst = checkout(server.guild.id, server.other_student.id, checkout_id="cs_burst", payment_intent="pi_b")
    await Desk(server).mentor(seats=2)
    answers = await asyncio.gather(*(post(http, bot, server.guild.id, burst) for _ in range(10)))
    assert {status for status, _ in answers} == {200}
    assert sorted(answer["outcome"] for _, answer in answers).count("duplicate") == 9
    assert await count(bot, purchases) == 2
    assert await count(bot, packs) == 1 + 1  # Alice's first pack and her renewal; Bob had no seat
    (kept,) = await rows(bot, select(purchases).where(purchases.c.checkout_id == "cs_burst"))
    assert kept.status == "unplaced"


async def test_async_payment_succeeded_is_a_purchase_and_an_unpaid_checkout_is_not(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    unpaid = checkout(server.guild.id, server.student.id, paid=False)
    before = await snapshot(bot)
    status, answer = await post(http, bot, server.guild.id, unpaid)
    assert (status, answer["outcome"]) == (200, "ignored")
    assert await snapshot(bot) == before

    later = checkout(
        server.guild.id, server.student.id, event_type="checkout.session.async_payment_succeeded"
    )
    status, answer = await post(http, bot, server.guild.id, later)
    assert (status, answer["outcome"]) == (200, "placed")


async def test_an_answer_lost_after_the_commit_is_retried_by_stripe_and_still_grants_one_pack(
    server: Server, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await in_grace(server)
    event = checkout(server.guild.id, server.student.id)
    real = bot.metrics.webhook
    crashes = ["placed"]

    def crash_once(outcome: str) -> None:
        if outcome in crashes:
            crashes.remove(outcome)
            raise RuntimeError("the process died after the commit, before the answer")
        real(outcome)

    monkeypatch.setattr(bot.metrics, "webhook", crash_once)
    status, _ = await post(http, bot, server.guild.id, event)
    assert status == 500  # Stripe sends it again
    assert await count(bot, purchases) == 1

    status, answer = await post(http, bot, server.guild.id, event)
    assert (status, answer["outcome"]) == (200, "duplicate")
    assert await count(bot, purchases) == 1
    assert await count(bot, packs) == 2


async def test_a_failure_before_the_commit_is_a_500_and_changes_nothing(
    server: Server, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = await in_grace(server)
    before = await snapshot(bot)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away mid-transaction")

    monkeypatch.setattr("core.purchases.stripe.place_purchase", broken)
    status, answer = await post(http, bot, server.guild.id, checkout(server.guild.id, server.student.id))
    assert (status, answer["outcome"]) == (500, "error")
    assert await snapshot(bot) == before
    assert await count(bot, purchases) == 0


# ---- who paid -----------------------------------------------------------------------------------------


async def test_a_buyer_with_no_seat_is_kept_unplaced_told_and_offered_to_pack_grant(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = selling_through_stripe(server)
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(bot, fallback_channel_id=fallback.id)
    await Desk(server).mentor(seats=1)

    status, answer = await post(http, bot, server.guild.id, checkout(server.guild.id, server.student.id))
    assert (status, answer["outcome"]) == (200, "unplaced")
    await bot.deliver_pending()
    (purchase,) = await rows(bot, select(purchases))
    assert (purchase.status, purchase.email, purchase.user_id) == (
        "unplaced",
        "alice@example.org",
        server.student.id,
    )
    assert server.dms("alice")[-1].startswith(f"Thank you for your purchase (#{purchase.id}).")
    (posted,) = fallback.history()
    assert f"purchase #{purchase.id}" in posted.content

    choices = await server.admin.autocomplete(
        server.channel, "pack grant", "purchase", "", student=server.student, mentor=server.mentor
    )
    assert [choice["value"] for choice in choices] == [purchase.id]
    assert "alice@example.org" in str(choices[0]["name"])
    await Desk(server).grant(purchase=purchase.id)
    (purchase,) = await rows(bot, select(purchases))
    assert purchase.status == "placed"


@pytest.mark.parametrize("reference", ["", "not-a-reference", "1234_5678"])
async def test_a_payment_naming_no_member_of_this_server_is_kept_with_the_email_and_admins_told(
    server: Server, http: aiohttp.ClientSession, reference: str
) -> None:
    bot = await in_grace(server)
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(bot, fallback_channel_id=fallback.id)
    other_server = server.env.create_guild(name="Another program")
    foreign = reference if reference != "1234_5678" else f"{other_server.id}_{server.student.id}"
    event = checkout(server.guild.id, None, reference=foreign, email="stranger@example.org")

    status, answer = await post(http, bot, server.guild.id, event)

    assert (status, answer["outcome"]) == (200, "unplaced")
    (purchase,) = await rows(bot, select(purchases))
    assert (purchase.status, purchase.user_id, purchase.guild_id) == ("unplaced", None, server.guild.id)
    assert purchase.email == "stranger@example.org"
    assert await count(bot, packs) == 1  # Alice's seat in grace got nothing
    await bot.deliver_pending()
    (posted,) = fallback.history()
    assert "stranger@example.org" in posted.content
    assert f"purchase:#{purchase.id}" in posted.content

    choices = await server.admin.autocomplete(
        server.channel, "pack grant", "purchase", "", student=server.student, mentor=server.mentor
    )
    assert [choice["value"] for choice in choices] == [purchase.id]
    await Desk(server).grant(purchase=purchase.id)  # the admin found the buyer: Alice
    (purchase,) = await rows(bot, select(purchases))
    assert (purchase.status, purchase.user_id) == ("placed", server.student.id)


# ---- refunds ------------------------------------------------------------------------------------------


async def test_a_full_refund_revokes_the_pack_as_pack_revoke_does(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    await post(http, bot, server.guild.id, checkout(server.guild.id, server.student.id))
    status, answer = await post(http, bot, server.guild.id, refund())
    assert (status, answer["outcome"]) == (200, "refunded")
    renewed = (await rows(bot, select(packs).order_by(packs.c.id)))[-1]
    assert renewed.status == "revoked"
    (purchase,) = await rows(bot, select(purchases))
    assert purchase.status == "refunded"
    await bot.deliver_pending()
    assert any("refunded in Stripe" in text for text in server.dms("alice"))
    (entry,) = await rows(bot, select(history).where(history.c.action == "pack_revoked"))
    assert json.loads(entry.detail)["reason"].rstrip(".") == "refunded in Stripe"

    again = await post(http, bot, server.guild.id, refund())
    assert (again[0], again[1]["outcome"]) == (200, "duplicate")


async def test_a_partial_refund_only_tells_the_admins(server: Server, http: aiohttp.ClientSession) -> None:
    bot = await in_grace(server)
    fallback = server.guild.create_text_channel("mentorbot-fallback")
    environment(bot, fallback_channel_id=fallback.id)
    await post(http, bot, server.guild.id, checkout(server.guild.id, server.student.id))
    status, answer = await post(http, bot, server.guild.id, refund(refunded=5000))
    assert (status, answer["outcome"]) == (200, "refunded")
    renewed = (await rows(bot, select(packs).order_by(packs.c.id)))[-1]
    assert renewed.status == "active"
    await bot.deliver_pending()
    (posted,) = fallback.history()
    assert "50.00 of 200.00" in posted.content
    assert "R2" not in posted.content


async def test_a_refund_before_its_checkout_is_kept_and_applied_when_the_checkout_comes(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    status, answer = await post(http, bot, server.guild.id, refund())
    assert (status, answer["outcome"]) == (200, "refunded")
    (kept,) = await rows(bot, select(stripe_refunds))
    assert kept.applied_at is None
    assert await count(bot, purchases) == 0

    status, _ = await post(http, bot, server.guild.id, checkout(server.guild.id, server.student.id))
    assert status == 200
    (purchase,) = await rows(bot, select(purchases))
    assert purchase.status == "refunded"
    renewed = (await rows(bot, select(packs).order_by(packs.c.id)))[-1]
    assert renewed.status == "revoked"
    (kept,) = await rows(bot, select(stripe_refunds))
    assert kept.applied_at is not None


# ---- bad requests change nothing ----------------------------------------------------------------------


async def test_missing_malformed_wrong_or_old_signatures_are_400_and_change_nothing(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    body = json.dumps(checkout(server.guild.id, server.student.id)).encode()
    now = bot.clock.now()
    before = await snapshot(bot)
    for headers in (
        {},
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": "t=notatime,v1=abc"},
        signed(body, now, secret="whsec_someone_else"),
        signed(body, now - timedelta(minutes=5, seconds=1)),
    ):
        status, answer = await post(http, bot, server.guild.id, body=body, headers=headers)
        assert (status, answer.get("outcome")) == (400, "bad_signature"), headers
    tampered = body.replace(b"alice@example.org", b"mallory@example.org")
    status, _ = await post(http, bot, server.guild.id, body=tampered, headers=signed(body, now))
    assert status == 400
    assert await snapshot(bot) == before
    assert (
        await post(http, bot, server.guild.id, body=body, headers=signed(body, now - timedelta(minutes=4)))
    )[0] == 200


async def test_unknown_servers_huge_bodies_and_non_objects_change_nothing(
    server: Server, http: aiohttp.ClientSession
) -> None:
    bot = await in_grace(server)
    before = await snapshot(bot)
    event = checkout(server.guild.id, server.student.id)
    assert (await post(http, bot, 424242424242, event))[0] == 404  # no such server here
    assert (await post(http, bot, "not-a-server", event))[0] == 404
    assert (await post(http, bot, server.guild.id, body=b"x" * (1024 * 1024 + 1)))[0] == 413
    for body in (b"[1, 2]", b'"text"', b"not json", b"{}"):
        status, answer = await post(http, bot, server.guild.id, body=body)
        assert (status, answer["outcome"]) == (400, "bad_request"), body
    status, answer = await post(
        http, bot, server.guild.id, {"id": "evt_1", "type": "customer.created", "data": {}}
    )
    assert (status, answer["outcome"]) == (200, "ignored")
    assert await snapshot(bot) == before


async def test_a_server_without_a_webhook_secret_is_404(server: Server, http: aiohttp.ClientSession) -> None:
    bot = await in_grace(server)
    environment(bot, stripe_webhook_secret=None)
    before = await snapshot(bot)
    event = checkout(server.guild.id, server.student.id)
    assert (await post(http, bot, server.guild.id, event, secret=SECRET))[0] == 404
    assert await snapshot(bot) == before


async def test_webhook_outcomes_are_counted_in_metrics(server: Server, http: aiohttp.ClientSession) -> None:
    bot = await in_grace(server)
    event = checkout(server.guild.id, server.student.id)
    await post(http, bot, server.guild.id, event)
    await post(http, bot, server.guild.id, event)
    await post(http, bot, server.guild.id, body=b"{}", headers={})
    assert bot.web_url is not None
    async with http.get(f"{bot.web_url}/metrics") as response:
        text = await response.text()
    for outcome in ("placed", "duplicate", "bad_signature"):
        assert f'mentorbot_webhook_events_total{{outcome="{outcome}"}} 1.0' in text, outcome
    assert await count(bot, notifications) >= 1
