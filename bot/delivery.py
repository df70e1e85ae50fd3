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

from bot.offers import offer_buttons
from core.config import Settings
from core.delivery import PermanentFailure, TemporaryFailure, Unreachable
from core.domain import CHANNEL_KINDS, RENEWAL_KINDS, NotificationKind
from core.outbox import Claimed
from core.texts import mention

if TYPE_CHECKING:
    from bot.app import MentorBot

UNREACHABLE_CODES = frozenset({50007, 50278})
T = TypeVar("T")


def renew_button(url: str | None) -> discord.ui.View | None:
    if not url:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Renew", url=url, emoji="🔁"))
    return view


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

    def _view(self, notification: Claimed) -> discord.ui.View | None:
        view = renew_button(self.settings.renew_url) if notification.kind in RENEWAL_KINDS else None
        if notification.kind == NotificationKind.WAITLIST_OFFER and notification.seat_id is not None:
            view = offer_buttons(notification.seat_id, view)  # R19: Accept / Decline
        return view

    async def send_dm(self, notification: Claimed) -> None:
        if notification.kind in CHANNEL_KINDS and await self._post_for_admins(notification):
            return

        async def send() -> None:
            channel = await self.bot.create_dm(discord.Object(notification.recipient_id))
            view = self._view(notification)
            if view is None:
                await channel.send(notification.body, nonce=notification.nonce)
            else:
                await channel.send(notification.body, nonce=notification.nonce, view=view)

        await _translated(send())

    async def _post_for_admins(self, notification: Claimed) -> bool:
        """A note for the admins goes to the server's fallback channel; False when it has none (then it
        is DMed to its recipient, the mentor)."""
        channel_id = await self.fallback_channel(notification.guild_id)
        if channel_id is None:
            return False
        channel = self.bot.get_partial_messageable(channel_id, guild_id=notification.guild_id)
        await _translated(channel.send(notification.body, nonce=notification.nonce))
        return True

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
