"""Re-exports for bot/ until it imports the new paths; removed at merge."""

from core.settings.results import (
    DEFAULT,
    SERVERS,
    THIS_SERVER,
    YOURS,
    SettingChanged,
    SettingShown,
    TimeZoneShown,
)
from core.settings.server import (
    CHANNEL_SETTING,
    ROLE_SETTING,
    ServerFacts,
    as_text,
    reset_server_setting,
    server_settings_shown,
    set_server_setting,
)
from core.settings.timezone import set_time_zone, time_zone_of

__all__ = [
    "CHANNEL_SETTING",
    "DEFAULT",
    "ROLE_SETTING",
    "SERVERS",
    "THIS_SERVER",
    "YOURS",
    "ServerFacts",
    "SettingChanged",
    "SettingShown",
    "TimeZoneShown",
    "as_text",
    "reset_server_setting",
    "server_settings_shown",
    "set_server_setting",
    "set_time_zone",
    "time_zone_of",
]
