"""What the packs use cases return: a pack granted, extended or revoked, and a pack as the ``pack``
option offers it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import PackStatus


@dataclass(frozen=True, slots=True)
class PackGranted:
    pack_id: int
    seat_id: int
    student_user_id: int
    mentor_user_id: int
    sessions: int
    ends_at: datetime
    new_seat: bool
    renewed_from_grace: bool
    sessions_left_on_seat: int
    notification_ids: tuple[int, ...] = ()
    # The same request seen again: this is the pack it granted the first time; nothing changed.
    already_granted: bool = False
    # R17: the purchase this grant placed (``/pack grant … purchase:``).
    purchase_id: int | None = None


@dataclass(frozen=True, slots=True)
class PackExtended:
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    ends_at: datetime
    # An expired pack made active again, with this many forfeited sessions back.
    reactivated: bool = False
    sessions_restored: int = 0
    already_extended: bool = False


@dataclass(frozen=True, slots=True)
class PackRevoked:
    pack_id: int
    student_user_id: int
    mentor_user_id: int
    reason: str
    forfeited: int
    cancelled_sessions: tuple[int, ...] = ()
    seat_released: bool = False
    already_revoked: bool = False
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PackChoice:
    """A pack an admin may act on, for the ``pack`` option's autocomplete."""

    pack_id: int
    student_name: str
    mentor_name: str
    status: PackStatus
    left: int
    total: int
    ends_at: datetime
