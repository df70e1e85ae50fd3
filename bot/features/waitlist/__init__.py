"""The waitlist (R19): /waitlist join, /waitlist leave, /waitlist show, and Accept / Decline on the DM
that offers a seat (registered with the sender for ``WAITLIST_OFFER`` DMs)."""

from __future__ import annotations

from bot.features.waitlist.buttons import OfferButton, offer_dm_buttons
from bot.features.waitlist.cog import WaitlistCog
from bot.kit import pages
from bot.kit.host import Host
from core.domain import NotificationKind


async def setup(bot: Host) -> None:
    cog = WaitlistCog(bot)
    await bot.add_cog(cog)
    pages.rebuilds(bot, "waitlist show", cog.places_listing)
    bot.add_dynamic_items(OfferButton)
    bot.sender.add_dm_buttons(NotificationKind.WAITLIST_OFFER, offer_dm_buttons)
