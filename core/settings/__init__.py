"""Settings (R14, R15): what each server sets for itself over the environment's values
(``policy``: the policy in force; ``server``: ``/settings set|reset|show``), and the time zone a
member's times are read in (``timezone``)."""

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
    ServerFacts,
    as_text,
    reset_server_setting,
    server_settings_shown,
    set_server_setting,
)
from core.settings.timezone import set_time_zone, time_zone_of

__all__ = [
    "DEFAULT",
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
