"""Sending DMs through Discord for the outbox (``core.delivery.Sender``).

Maps what Discord answers to what delivery does next: 50007 (DMs closed) and 50278 (no mutual server)
are final; 5xx, 429 and network errors are temporary; other refusals are permanent. A student who
cannot be DMed is mentioned in the fallback channel of the notification's own server, never another's. Each send carries
the notification's nonce, which Discord dedupes, so a resend after a crash shows once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import aiohttp
import discord

from core.config import Settings
from core.delivery import PermanentFailure, TemporaryFailure, Unreachable
from core.domain import CHANNEL_KINDS, RENEWAL_KINDS, NotificationKind, Policy
from core.outbox import Claimed
from core.server_settings import policy_of
from core.texts import mention

if TYPE_CHECKING:
    from bot.app import MentorBot

UNREACHABLE_CODES = frozenset({50007, 50278})
T = TypeVar("T")


# The DMs that carry the way to renew (R17: the renewal DMs, the final warning, waitlist offers).
RENEWAL_BUTTON_KINDS: frozenset[NotificationKind] = RENEWAL_KINDS
# Those among them that ask the student to renew ("Renew now…"): with no button, they say whom to ask.
ASKS_TO_RENEW: frozenset[NotificationKind] = frozenset(
    {NotificationKind.ONE_LEFT, NotificationKind.PACK_COMPLETE, NotificationKind.FINAL_WARNING}
)


def renewal_item(policy: Policy) -> discord.ui.Button[discord.ui.View] | None:
    """How a student renews in this server: Discord's premium button for its renewal SKU (R17), else
    the link button to ``renew_url``, else nothing (then the text says whom to ask)."""
    if policy.renewal_sku_id is not None:
        return discord.ui.Button(style=discord.ButtonStyle.premium, sku_id=policy.renewal_sku_id)
    if policy.renew_url:
        return discord.ui.Button(label="Renew", url=policy.renew_url, emoji="🔁")
    return None


def ask_an_admin(server_name: str) -> str:
    return f"To renew, ask an admin of {server_name}."


def renewal_button(
    kind: NotificationKind, policy: Policy, server_name: str
) -> tuple[discord.ui.View | None, str | None]:
    """Which button a DM of ``kind`` carries under the server's settings, and the line to add when
    there is no button: a renewal DM never says "Renew now" with no way to do it (SPEC Notifications).
    (None, None) for a DM that is not about renewing."""
    if kind not in RENEWAL_BUTTON_KINDS:
        return None, None
    item = renewal_item(policy)
    if item is None:
        return None, ask_an_admin(server_name) if kind in ASKS_TO_RENEW else None
    view = discord.ui.View(timeout=None)
    view.add_item(item)
    return view, None


# Which channel of a server takes the posts for its students who cannot be DMed (guild id -> channel id).
FallbackChannels = Callable[[int], Awaitable[int | None]]


class DiscordSender:
    """Sends the outbox's DMs; a post for a student who cannot be DMed goes to the channel that
    ``fallback_channel`` names for the notification's own server (by default ``FALLBACK_CHANNEL_ID``,
    for the one server it belongs to)."""

    def __init__(
        self, bot: MentorBot, settings: Settings, fallback_channel: FallbackChannels | None = None
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.fallback_channel = fallback_channel or self.env_fallback_channel
        self._channel_servers: dict[int, int | None] = {}

    async def _renewal(self, notification: Claimed) -> tuple[discord.ui.View | None, str]:
        """The DM's view and text, with the way to renew that the notification's server set."""
        # Read for every DM, not just renewal ones: DMs sent at once then take the same steps, so they
        # reach Discord in the order they were owed.
        policy = await self.bot.service.read(policy_of, notification.guild_id)
        if notification.kind not in RENEWAL_BUTTON_KINDS:
            return None, notification.body
        guild = self.bot.get_guild(notification.guild_id)
        view, line = renewal_button(notification.kind, policy, guild.name if guild else "your server")
        return view, f"{notification.body}\n{line}" if line else notification.body

    async def send_dm(self, notification: Claimed) -> None:
        if notification.kind in CHANNEL_KINDS:
            await self.post_for_admins(notification)
            return

        async def send() -> None:
            view, body = await self._renewal(notification)
            channel = await self.bot.create_dm(discord.Object(notification.recipient_id))
            if view is None:
                await channel.send(body, nonce=notification.nonce)
            else:
                await channel.send(body, nonce=notification.nonce, view=view)

        await _translated(send())

    async def post_for_admins(self, notification: Claimed) -> None:
        """A notice for the server's admins (``CHANNEL_KINDS``), posted in its fallback channel."""
        channel_id = await self.fallback_channel(notification.guild_id)
        if channel_id is None:
            raise PermanentFailure(f"server {notification.guild_id} has no fallback channel for its admins")
        channel = self.bot.get_partial_messageable(channel_id, guild_id=notification.guild_id)
        await _translated(
            channel.send(
                notification.body,
                nonce=notification.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        )

    async def env_fallback_channel(self, guild_id: int) -> int | None:
        """``FALLBACK_CHANNEL_ID``, for the server that channel belongs to only: a notification of
        another server must never be posted (and its student named) there."""
        channel_id = self.settings.fallback_channel_id
        if channel_id is None:
            return None
        if channel_id not in self._channel_servers:
            channel = self.bot.get_channel(channel_id) or await _translated(
                self.bot.fetch_channel(channel_id)
            )
            server = getattr(channel, "guild", None)
            self._channel_servers[channel_id] = server.id if server is not None else None
        return channel_id if self._channel_servers[channel_id] == guild_id else None

    async def post_fallback(self, notification: Claimed) -> bool:
        channel_id = await self.fallback_channel(notification.guild_id)
        if channel_id is None:
            return False
        channel = self.bot.get_partial_messageable(channel_id, guild_id=notification.guild_id)
        content = (
            f"{mention(notification.recipient_id)} I couldn't DM you, so here it is:\n{notification.body}"
        )
        await _translated(
            channel.send(
                content,
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
