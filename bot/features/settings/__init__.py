"""Settings: this server's program settings (/settings show, set, reset; admins, R14) and each
user's time zone (/timezone, R15)."""

from __future__ import annotations

from bot.features.settings.cog import SettingsCog
from bot.features.settings.timezone import TimeZoneCog
from bot.kit import pages
from bot.kit.host import Host


async def setup(bot: Host) -> None:
    cog = SettingsCog(bot)
    await bot.add_cog(cog)
    pages.rebuilds(bot, "settings show", cog.settings_listing)
    await bot.add_cog(TimeZoneCog(bot))
