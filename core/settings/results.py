"""What the settings use cases return: a setting as ``/settings show`` lists it, a change of one, and a
member's time zone with where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from core.registry import Value

THIS_SERVER = "this server"
DEFAULT = "default"
YOURS = "yours"
SERVERS = "this server's"


@dataclass(frozen=True, slots=True)
class SettingShown:
    """One server setting as ``/settings show`` lists it."""

    name: str
    value: Value
    source: str  # "this server" or "default"
    meaning: str


@dataclass(frozen=True, slots=True)
class SettingChanged:
    name: str
    value: Value
    previous: Value
    source: str  # where the value now in force comes from: "this server" or "default"


@dataclass(frozen=True, slots=True)
class TimeZoneShown:
    zone: str
    source: str  # "yours" or "this server's"
