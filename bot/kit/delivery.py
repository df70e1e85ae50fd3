"""Sending DMs through Discord for the outbox (``core.delivery.Sender``).

Maps what Discord answers to what delivery does next: 50007 (DMs closed) and 50278 (no mutual server)
are final; 5xx, 429 and network errors are temporary; other refusals are permanent. A student who
cannot be DMed is mentioned in the fallback channel of the notification's own server, never another's.
Each send carries the notification's nonce, which Discord dedupes, so a resend after a crash shows
once. What a DM says is core's text; the sender heads it with the server's name and writes each
person's display name beside their mention, and the server's settings in force at send time choose
the renew link and the fallback channel (R14).

A feature that owns the buttons of a kind of DM registers them here (``add_dm_buttons``, in its
``setup``): the waitlist's Accept and Decline on a waitlist offer. Delivery imports no feature.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

from core.config import Settings
from core.delivery import PermanentFailure, TemporaryFailure, Unreachable
from core.domain import CHANNEL_KINDS, RENEWAL_KINDS, NotificationKind, Policy
from core.letterhead import MENTION
from core.outbox import Claimed
from core.texts import mention

UNREACHABLE_CODES = frozenset({50007, 50278})
T = TypeVar("T")

# The buttons a feature adds to a DM of one kind: given the notification and the view it carries so
# far (the renewal button, or None), the view to send (or None for none).
DmButtons = Callable[[Claimed, discord.ui.View | None], discord.ui.View | None]


# The DMs that carry the way to renew (R17: the renewal DMs, the final warning, waitlist offers).
RENEWAL_BUTTON_KINDS: frozenset[NotificationKind] = RENEWAL_KINDS
# Those among them that ask the student to renew ("Renew now…"): with no button, they say whom to ask.
ASKS_TO_RENEW: frozenset[NotificationKind] = frozenset(
    {NotificationKind.ONE_LEFT, NotificationKind.PACK_COMPLETE, NotificationKind.FINAL_WARNING}
)


BUTTON_URL_LIMIT = 512


def stripe_link(policy: Policy, guild_id: int | None, user_id: int | None) -> str | None:
    """The server's Stripe Payment Link naming its buyer (R23: ``client_reference_id=<server>_<user>``,
    which the webhook reads back), when the server sells through Stripe (link and webhook secret
    set) and the buyer is known; None otherwise, or when it would not fit on a button."""
    if policy.stripe_link is None or guild_id is None or user_id is None:
        return None
    url = buyer_link(policy.stripe_link, guild_id, user_id)
    return url if len(url) <= BUTTON_URL_LIMIT else None


def buyer_link(link: str, guild_id: int, user_id: int) -> str:
    """A Payment Link that names its buyer: ``client_reference_id=<server>_<user>``."""
    return f"{link}{'&' if '?' in link else '?'}client_reference_id={guild_id}_{user_id}"


def renewal_item(
    policy: Policy, *, guild_id: int | None = None, user_id: int | None = None
) -> discord.ui.Button[discord.ui.View] | None:
    """How student ``user_id`` renews in server ``guild_id``: Discord's premium button for its renewal
    SKU (R17), else its Stripe Payment Link naming them (R23), else the link button to ``renew_url``,
    else nothing (then the text says whom to ask)."""
    if policy.renewal_sku_id is not None:
        return discord.ui.Button(style=discord.ButtonStyle.premium, sku_id=policy.renewal_sku_id)
    stripe = stripe_link(policy, guild_id, user_id)
    if stripe is not None:
        return discord.ui.Button(label="Renew", url=stripe, emoji="💳")
    if policy.renew_url:
        return discord.ui.Button(label="Renew", url=policy.renew_url, emoji="🔁")
    return None


def ask_an_admin(server_name: str) -> str:
    return f"To renew, ask an admin of {server_name}."


def renewal_button(
    kind: NotificationKind,
    policy: Policy,
    server_name: str,
    *,
    guild_id: int | None = None,
    user_id: int | None = None,
) -> tuple[discord.ui.View | None, str | None]:
    """Which button a DM of ``kind`` to ``user_id`` carries under the settings of server ``guild_id``,
    and the line to add when there is no button: a renewal DM never says "Renew now" with no way to
    do it (SPEC Notifications). (None, None) for a DM that is not about renewing."""
    if kind not in RENEWAL_BUTTON_KINDS:
        return None, None
    item = renewal_item(policy, guild_id=guild_id, user_id=user_id)
    if item is None:
        return None, ask_an_admin(server_name) if kind in ASKS_TO_RENEW else None
    view = discord.ui.View(timeout=None)
    view.add_item(item)
    return view, None


CONTENT_LIMIT = 2000


def named(body: str, names: dict[int, str]) -> str:
    """``body`` with each person's display name beside their mention: a mention of someone the
    reader's client has not loaded shows as a bare id."""

    def name(found: re.Match[str]) -> str:
        person = names.get(int(found.group(1)))
        return f"**{discord.utils.escape_markdown(person)}** ({found.group(0)})" if person else found.group(0)

    return MENTION.sub(name, body)


class DiscordSender:
    """Sends the outbox's DMs, each headed by the name of the server it comes from and with people
    named beside their mentions (the style ``core.texts`` describes). A post for a student who cannot
    be DMed goes to the ``fallback_channel_id`` of the notification's own server, when that channel is
    the server's. The server's settings and the recorded names come with the notification, read in
    the transaction that claimed it (``core.letterhead``)."""

    def __init__(self, bot: discord.Client, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        self._channel_servers: dict[int, int | None] = {}
        self._in_owed_order = asyncio.Lock()
        self._dm_buttons: dict[NotificationKind, DmButtons] = {}

    def add_dm_buttons(self, kind: NotificationKind, buttons: DmButtons) -> None:
        """The feature that owns DMs of ``kind`` adds its buttons to them (one owner per kind: a later
        registration, e.g. the feature loaded again, replaces the earlier)."""
        self._dm_buttons[kind] = buttons

    def server_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else f"server {guild_id}"

    def _names(self, guild_id: int, known: dict[int, str], body: str) -> dict[int, str]:
        """Names as the server shows them now (the member cache), else as recorded by core."""
        guild = self.bot.get_guild(guild_id)
        names = dict(known)
        if guild is not None:
            for found in MENTION.findall(body):
                member = guild.get_member(int(found))
                if member is not None:
                    names[member.id] = member.display_name
        return names

    def dm_text(self, notification: Claimed) -> str:
        """What the reader sees: the server it comes from, then the text with people named."""
        head = notification.letterhead
        server = discord.utils.escape_markdown(self.server_name(notification.guild_id))
        body = named(notification.body, self._names(notification.guild_id, head.names, notification.body))
        _, line = renewal_button(
            notification.kind,
            head.policy,
            server,
            guild_id=notification.guild_id,
            user_id=notification.recipient_id,
        )
        if line:  # no button to renew with: never leave "Renew now" without a way to do it
            body += f"\n{line}"
        return f"From **{server}**:\n{body}"[:CONTENT_LIMIT]

    async def send_dm(self, notification: Claimed) -> None:
        recipient_id = notification.recipient_id
        if notification.kind in CHANNEL_KINDS:
            # "The admins are told": the fallback channel, else the server's owner by DM.
            if await self.post_for_admins(notification):
                return
            recipient_id = await self.owner_of(notification.guild_id)
        # Delivery sends a batch at once. The step before the send (opening the DM channel) takes one
        # turn each, so the sends start, and reach Discord, in the order the DMs were owed (a student's
        # "released" before the mentor's); the sends themselves overlap.
        async with self._in_owed_order:
            channel = await _translated(self.bot.create_dm(discord.Object(recipient_id)))
        content = self.dm_text(notification)
        view, _ = renewal_button(
            notification.kind,
            notification.letterhead.policy,
            self.server_name(notification.guild_id),
            guild_id=notification.guild_id,
            user_id=notification.recipient_id,
        )
        buttons = self._dm_buttons.get(notification.kind)
        if buttons is not None:
            view = buttons(notification, view)  # e.g. R19: Accept / Decline on a waitlist offer
        if view is None:
            await _translated(channel.send(content, nonce=notification.nonce))
        else:
            await _translated(channel.send(content, nonce=notification.nonce, view=view))

    async def owner_of(self, guild_id: int) -> int:
        """The id of the server's owner, who is told what is for the admins when there is no fallback
        channel."""
        guild: discord.Guild | None = self.bot.get_guild(guild_id)
        if guild is None:
            guild = await _translated(self.bot.fetch_guild(guild_id))
        if guild.owner_id is None:
            raise PermanentFailure(f"server {guild_id} has no owner to tell")
        return guild.owner_id

    async def post_for_admins(self, notification: Claimed) -> bool:
        """A notice for the server's admins (``CHANNEL_KINDS``), posted in its fallback channel; False
        when the server has none."""
        channel_id = await self.fallback_channel(notification)
        if channel_id is None:
            return False
        channel = self.bot.get_partial_messageable(channel_id, guild_id=notification.guild_id)
        await _translated(
            channel.send(
                notification.body,
                nonce=notification.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        )
        return True

    async def fallback_channel(self, notification: Claimed) -> int | None:
        """The ``fallback_channel_id`` of the notification's server (R14), when that channel belongs to
        the server: a notification of one server must never be posted (and its student named) in
        another's."""
        channel_id = notification.letterhead.policy.fallback_channel_id
        if channel_id is None:
            return None
        if channel_id not in self._channel_servers:
            channel = self.bot.get_channel(channel_id) or await _translated(
                self.bot.fetch_channel(channel_id)
            )
            server = getattr(channel, "guild", None)
            self._channel_servers[channel_id] = server.id if server is not None else None
        return channel_id if self._channel_servers[channel_id] == notification.guild_id else None

    async def post_fallback(self, notification: Claimed) -> bool:
        channel_id = await self.fallback_channel(notification)
        if channel_id is None:
            return False
        names = self._names(notification.guild_id, notification.letterhead.names, notification.body)
        body = named(notification.body, names)
        channel = self.bot.get_partial_messageable(channel_id, guild_id=notification.guild_id)
        content = f"{mention(notification.recipient_id)} I couldn't DM you, so here it is:\n{body}"
        await _translated(
            channel.send(
                content[:CONTENT_LIMIT],
                nonce=f"{notification.nonce}-f",
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(notification.recipient_id)], roles=False, everyone=False
                ),
            )
        )
        return True


async def _translated(sending: Awaitable[T]) -> T:
    """Await a call to Discord, turning its refusal into the delivery outcome it means."""
    try:
        return await sending
    except discord.HTTPException as error:
        if error.code in UNREACHABLE_CODES:
            raise Unreachable(f"{error.status} {error.code}: {error.text}") from error
        if error.status >= 500 or error.status in (401, 429):
            raise TemporaryFailure(f"{error.status} {error.code}: {error.text}") from error
        raise PermanentFailure(f"{error.status} {error.code}: {error.text}") from error
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        raise TemporaryFailure(f"network: {type(error).__name__}: {error}") from error
