"""The offline demo (``mentorbot demo``, ``make demo``): the whole story on a simulated Discord server.

The real bot runs against SimCord's in-memory Discord: no token, no network, SQLite in a temporary
directory. Time is the bot's own ``ManualClock``, moved forward by hand, so seven weeks pass in about
a second; at each deadline the demo runs the sweep exactly as the scheduled job does
(``bot.run_sweep()``). The transcript shows each command with its reply, each DM and each sweep under
the simulated date and time, with Discord's markup (mentions, ``<t:…>`` timestamps) rendered for a
terminal.

The story: an admin registers a mentor with one seat and grants a student a pack of four sessions (a
second student's grant is refused: no free seat); the mentor books one and completes all four; the
student is reminded when one is left and when the pack is complete; the seat is held in grace, the
final warning goes out, and the seat is released. Then the second student gets the seat, renews during
grace and keeps it. Then the server starts selling renewals in Discord (R17): the first student, back
with a one-session pack, buys a renewal with Discord's premium button while in grace and keeps her seat.
A student takes a seat from the waitlist (R19). Last, the program sells through Stripe (R23): a student
in grace pays on the Payment Link his DM links to, Stripe's signed webhook is posted to the running
bot's web door (twice, as Stripe may), and he keeps his seat.

It runs on the default settings, except ``RENEW_URL`` (``DEMO_RENEW_URL``), set so that the renewal
DMs show their Renew button; README.md says so. The transcript itself is ``bot.transcript``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import discord
import simcord
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.app import MentorBot, create_bot
from bot.transcript import Transcript
from bot.web import stripe_path, stripe_signature
from core.clock import ManualClock
from core.config import Settings
from core.domain import Actor
from core.sessions import undo_choices

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
DEMO_RENEW_URL = "https://example.com/renew"
# Scene 7: the program's Stripe Payment Link and its webhook endpoint's signing secret.
DEMO_PAYMENT_LINK = "https://buy.stripe.com/demo_renewal"
DEMO_WEBHOOK_SECRET = "whsec_demo"


class DemoSettings(Settings):
    """The defaults (and the demo's renew link) whatever the environment or ``.env`` say, so the story
    is always the same."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


# ---- the story -------------------------------------------------------------------------------------


async def run_demo(out: TextIO | None = None) -> None:
    """Play the story on a simulated server and print the transcript to ``out`` (stdout by default)."""
    out = out or sys.stdout
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as folder:
        settings = DemoSettings(
            discord_token="demo",  # SimCord never sends it anywhere
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}",
            renew_url=DEMO_RENEW_URL,
            web_port=0,  # the web door, on a free port of 127.0.0.1: scene 7 posts Stripe's webhook to it
        )
        clock = ManualClock(START)
        # The demo runs each sweep itself, at the moments the bot's wake-up would; no wall-clock ticks.
        bot = create_bot(settings, clock=clock, run_scheduler=False, run_web=True)
        async with simcord.run(bot) as env:
            await bot.tree.sync()
            await story(env, bot, clock, Transcript(bot, clock, out))
        days = (clock.now() - START).days
        print(
            f"\nDone: {days} simulated days in {time.perf_counter() - started:.1f} seconds. "
            "Put it on your own server: README.md, 'Put it on your server'.",
            file=out,
        )


async def story(env: Any, bot: MentorBot, clock: ManualClock, show: Transcript) -> None:
    guild = env.create_guild(name="Mentorship")
    show.channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    users = {name: env.create_user(name) for name in ("ada", "mia", "alice", "bob")}
    for user in users.values():
        show.track(user)
    ada = guild.add_member(users["ada"], roles=[admins])
    mia = guild.add_member(users["mia"])
    alice = guild.add_member(users["alice"])
    bob = guild.add_member(users["bob"])

    def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
        clock.set(datetime(year, month, day, hour, minute, tzinfo=UTC))

    introduction(show)
    await grant_to_release_scene(env, show, at, ada=ada, mia=mia, alice=alice, bob=bob)
    await renewal_in_grace_scene(show, at, ada=ada, mia=mia, bob=bob)
    await corrections_scene(show, at, mia=mia, bob=bob)
    await each_server_its_own(show, ada, mia, bob)
    await renewal_bought_in_discord(env, bot, clock, show, ada, mia, alice)
    cleo_user = env.create_user("cleo")
    show.track(cleo_user)
    cleo = guild.add_member(cleo_user)
    at(2026, 3, 2, 10)
    await waitlist_scene(show, ada, mia, cleo, cleo_user)
    at(2026, 3, 2, 11)
    await booking_scene(show, mia, cleo)
    dan_user = env.create_user("dan")
    show.track(dan_user)
    await renewal_through_stripe(env, bot, clock, show, ada, mia, guild.add_member(dan_user))


def introduction(show: Transcript) -> None:
    show.write("mentorbot demo: the real bot on a simulated Discord server (SimCord). No token, no network;")
    show.write(
        "SQLite in a temporary directory. The bot's clock is moved by hand, so weeks pass in a second."
    )
    show.write("Times are shown in UTC (Discord shows each reader their own time zone). Command replies are")
    show.write("ephemeral: only the person who ran the command sees them.")
    show.write()
    show.write('Server "Mentorship": @ada is an admin (Manage Server), @mia mentors, @alice and @bob study.')


async def grant_to_release_scene(
    env: Any, show: Transcript, at: Any, *, ada: Any, mia: Any, alice: Any, bob: Any
) -> None:
    """R2 to R9: a pack granted, its sessions booked and completed, grace, the final warning, release."""
    show.title("1. A pack from grant to release: @alice")
    await show.command(ada, "mentor add", mentor=mia, seats=1)
    await show.command(ada, "pack grant", student=alice, mentor=mia)
    show.note("@alice paid for a pack of 4 sessions (elsewhere); it holds @mia's one seat.")
    await show.command(ada, "pack grant", student=bob, mentor=mia)
    # SimCord records a refusal answered by the error handler as an app-command error; reading the
    # list acknowledges it, so it is not raised when the simulation ends.
    env.errors  # noqa: B018
    show.note("@bob must wait: @mia's only seat is taken.")

    at(2026, 1, 5, 9, 5)
    await show.command(mia, "schedule", student=alice, when="2026-01-07T19:00+01:00")

    at(2026, 1, 6, 18)
    show.note("24 hours before the session, the sweep (hourly, and woken up for each deadline) reminds her.")
    await show.sweep()

    at(2026, 1, 7, 19)
    await show.command(mia, "complete", student=alice)
    at(2026, 1, 14, 19)
    await show.command(mia, "complete", student=alice)
    at(2026, 1, 21, 19)
    await show.command(mia, "complete", student=alice)
    at(2026, 1, 21, 19, 30)
    await show.command(alice, "mysessions")

    at(2026, 1, 28, 19)
    await show.command(mia, "complete", student=alice)
    show.note("The pack is used up: the seat is held for 72 hours (grace) for @alice to renew.")

    at(2026, 1, 31, 7)
    show.note("12 hours before the grace ends, the sweep sends the final warning.")
    await show.sweep()
    await show.command(ada, "seats")

    at(2026, 1, 31, 19)
    show.note("She did not renew: the grace has ended, so the sweep releases the seat.")
    await show.sweep()


async def renewal_in_grace_scene(show: Transcript, at: Any, *, ada: Any, mia: Any, bob: Any) -> None:
    """R2 in grace: a new pack while the seat is held; no final warning, no release."""
    show.title("2. A renewal in grace: @bob")
    at(2026, 2, 2, 9)
    await show.command(ada, "pack grant", student=bob, mentor=mia, sessions=2)
    at(2026, 2, 9, 17)
    await show.command(mia, "complete", student=bob)
    at(2026, 2, 16, 17)
    await show.command(mia, "complete", student=bob)

    at(2026, 2, 17, 10)
    show.note("@bob buys another pack while his seat is in grace.")
    await show.command(ada, "pack grant", student=bob, mentor=mia)

    at(2026, 2, 19, 5)
    show.note("When his final warning would have been due, there is nothing to send: he renewed.")
    await show.sweep()
    at(2026, 2, 19, 17)
    show.note("Nor is his seat released when the old grace would have ended.")
    await show.sweep()
    await show.command(bob, "mysessions")
    await show.command(ada, "seats")


async def each_server_its_own(show: Transcript, ada: Any, mia: Any, bob: Any) -> None:
    """Scene 4 (R14, R15): an admin sets this server's own grace; a mentor in Berlin books in her zone."""
    show.title("4. This server's own settings, and times in your own zone")
    show.note("The environment gives every server its defaults; each server may set its own.")
    await show.command(ada, "settings set", name="grace_period_hours", value="48")
    await show.command(ada, "settings show")
    show.note("@mia lives in Berlin: the times she types are read there.")
    await show.command(mia, "timezone", zone="Europe/Berlin")
    show.note("A day with no time is not guessed: the reply asks for one.")
    await show.command(mia, "schedule", student=bob, when="tomorrow")
    await show.command(mia, "schedule", student=bob, when="tomorrow 18:00")


async def corrections_scene(show: Transcript, at: Any, *, mia: Any, bob: Any) -> None:
    """R16: a completion made by mistake, undone with its reason; the pack gets the session back."""
    show.title("3. A mistake corrected: @bob")
    at(2026, 2, 19, 18)
    await show.command(mia, "complete", student=bob)
    show.note(
        "That session is next week: @mia undoes it (the reply's Undo button does the same for 15 minutes)."
    )
    completed = await show.bot.service.read(
        undo_choices, guild_id=show.channel.guild.id, actor=Actor(mia.id), typed=""
    )
    await show.command(mia, "undo", session=completed[0].session_id, reason="recorded a week early")


async def renewal_bought_in_discord(
    env: Any, bot: MentorBot, clock: ManualClock, show: Transcript, ada: Any, mia: Any, alice: Any
) -> None:
    """R17: a renewal bought in Discord while the seat is in grace, placed and consumed once."""
    show.title("5. A renewal bought in Discord: @alice")
    clock.set(datetime(2026, 2, 23, 9, tzinfo=UTC))
    sku = env.create_sku("Renewal pack", type=discord.SKUType.consumable)
    show.skus[sku.id] = "Renewal pack"
    # As RENEWAL_SKU_ID in the environment (every server's default; `/settings set` sets one server's).
    bot.service.defaults = dataclasses.replace(bot.service.defaults, renewal_sku_id=sku.id)
    show.note(
        'The program now sells renewals in Discord: RENEWAL_SKU_ID is the consumable SKU "Renewal pack".'
    )
    await show.command(ada, "mentor add", mentor=mia, seats=2)
    await show.command(ada, "pack grant", student=alice, mentor=mia, sessions=1)
    clock.set(datetime(2026, 2, 25, 18, tzinfo=UTC))
    await show.command(mia, "complete", student=alice)
    show.note("Her pack is complete; the DM carries Discord's premium button instead of a link.")
    await show.command(alice, "mysessions")

    clock.set(datetime(2026, 2, 26, 20, tzinfo=UTC))
    show.note("@alice presses it and pays in Discord: Discord sends the bot ENTITLEMENT_CREATE.")
    entitlement = await env.grant_entitlement(sku, user=alice)
    show.dms()
    consumed = env.backend.entitlements[entitlement.id].consumed
    show.note(f"The bot placed the pack, then consumed the entitlement (consumed: {consumed}).")
    await entitlement.replay_create()
    show.note("Discord delivers the same ENTITLEMENT_CREATE again: nothing more is granted.")
    show.dms()
    show.note(
        "Back to 4 sessions left: /mysessions offers no renewal, and lists no released seat beside hers."
    )
    await show.command(alice, "mysessions")

    clock.set(datetime(2026, 2, 28, 6, tzinfo=UTC))
    show.note("When her final warning would have been due, there is nothing to send: she renewed.")
    await show.sweep()


async def waitlist_scene(show: Transcript, ada: Any, mia: Any, cleo: Any, cleo_user: Any) -> None:
    """R19: a waitlist offer taken. @mia's two seats are @bob's and @alice's; @cleo waits in line."""
    show.title("6. A seat from the waitlist: @cleo")
    await show.command(cleo, "waitlist join", mentor=mia)
    show.note("@ada gives @mia a third seat: it is held for the first in line, and she is offered it.")
    await show.command(ada, "mentor add", mentor=mia, seats=3)
    offer = cleo_user.dm_channel.history()[-1]
    labels = [
        child.label or "💎 buy" for row in offer.components for child in getattr(row, "children", [row])
    ]
    show.note(f"The offer carries the buttons {' and '.join(f'[{label}]' for label in labels)}.")
    pressed = await cleo_user.click(offer, label="Accept")
    show.write("  @cleo ▸ [Accept]")
    if pressed.response is not None:
        show.block("      ↳ ", show.text(pressed.response.content), "        ")
    show.dms()
    show.note("This server sells packs in Discord, so Accept answers with the buy button: no note to admins.")
    await show.command(ada, "pack grant", student=cleo, mentor=mia)
    show.note("The grant took the seat held for her: @mia holds 3 of 3 seats, never more.")
    await show.command(ada, "seats")


async def booking_scene(show: Transcript, mia: Any, cleo: Any) -> None:
    """R21: a mentor publishes her hours; a student books an open slot from them, and both are told."""
    show.title("7. A session booked from the mentor's hours: @cleo")
    show.note("@mia publishes her weekly hours, in her own time zone (Europe/Berlin).")
    await show.command(mia, "hours add", day="thu", start="18:00", end="20:00")
    await show.command(mia, "hours show")
    menu = await show.command(cleo, "book")
    options = [
        option["label"]
        for row in menu.response.components
        for item in row["components"]
        if item["type"] == discord.ComponentType.select.value
        for option in item["options"]
    ]
    show.note(f"The reply's menu lists the week's open slots, in @cleo's zone: {'; '.join(options)}.")
    choices = await cleo.autocomplete(show.channel, "book", "when", "")
    show.note(f"She types in when instead, which offers the same slots; she picks {choices[0]['name']}.")
    await show.command(cleo, "book", when=choices[0]["value"])


async def renewal_through_stripe(
    env: Any, bot: MentorBot, clock: ManualClock, show: Transcript, ada: Any, mia: Any, dan: Any
) -> None:
    """R23: a renewal paid through Stripe while the seat is in grace; Stripe's webhook, signed with the
    server's secret, posted to the running bot twice; one pack, and the seat is kept."""
    show.title("8. A renewal through Stripe: @dan")
    clock.set(datetime(2026, 3, 3, 9, tzinfo=UTC))
    bot.service.defaults = dataclasses.replace(
        bot.service.defaults,
        renewal_sku_id=None,
        stripe_payment_link=DEMO_PAYMENT_LINK,
        stripe_webhook_secret=DEMO_WEBHOOK_SECRET,
    )
    show.note("The program now sells through Stripe: STRIPE_PAYMENT_LINK and STRIPE_WEBHOOK_SECRET are set.")
    await show.command(ada, "mentor add", mentor=mia, seats=4)
    await show.command(ada, "pack grant", student=dan, mentor=mia, sessions=1)
    clock.set(datetime(2026, 3, 5, 17, tzinfo=UTC))
    await show.command(mia, "complete", student=dan)
    show.note(
        "The Renew link names him (client_reference_id=<server>_<user>), so his payment finds his seat."
    )

    clock.set(datetime(2026, 3, 7, 9, tzinfo=UTC))
    show.note(
        f"@dan pays on the link; Stripe posts checkout.session.completed to the bot's {stripe_path(dan.guild.id)}."
    )
    event = stripe_checkout(dan.guild.id, dan.id)
    for attempt in ("", " again (Stripe may deliver an event twice)"):
        status, outcome = await post_to_web_door(bot, dan.guild.id, event)
        show.note(f"Stripe posts it{attempt}: the bot answers {status} ({outcome}).")
        await env.settle()
        await bot.deliver_pending()
        show.dms()
    clock.set(datetime(2026, 3, 8, 18, tzinfo=UTC))
    show.note("When his grace would have ended, his seat is kept: he renewed.")
    await show.sweep()
    await show.command(dan, "mysessions")


def stripe_checkout(guild_id: int, user_id: int) -> dict[str, Any]:
    """A paid ``checkout.session.completed`` of the demo's Payment Link, as Stripe sends it."""
    return {
        "id": "evt_demo_1",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": "cs_demo_1",
                "payment_status": "paid",
                "payment_intent": "pi_demo_1",
                "client_reference_id": f"{guild_id}_{user_id}",
                "customer_details": {"email": "dan@example.org"},
                "metadata": {"sessions": "4", "valid_days": "60"},
            }
        },
    }


async def post_to_web_door(bot: MentorBot, guild_id: int, event: dict[str, Any]) -> tuple[int, str]:
    """Post ``event`` to the bot's web door, signed with the server's secret as Stripe signs it."""
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": stripe_signature(body, DEMO_WEBHOOK_SECRET, bot.clock.now())}
    connector = aiohttp.TCPConnector(force_close=True)  # nothing left open for SimCord to wait on
    url = f"{bot.web_url}{stripe_path(guild_id)}"
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.post(url, data=body, headers=headers) as response,
    ):
        return response.status, str((await response.json())["outcome"])
