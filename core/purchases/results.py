"""What the purchases use cases return: what one entitlement came to, and an unplaced purchase as
``/pack grant``'s ``purchase`` option offers it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import PurchaseStatus
from core.packs.results import PackGranted


@dataclass(frozen=True, slots=True)
class PurchaseRecorded:
    """What one entitlement (R17) came to: placed as ``pack``, or kept unplaced."""

    purchase_id: int
    entitlement_id: int
    guild_id: int
    buyer_user_id: int
    status: PurchaseStatus
    pack: PackGranted | None = None
    # Seen before (delivered twice, read again by a sweep, or by another process): nothing changed.
    already_recorded: bool = False
    # The entitlement was consumed at Discord already (recorded after the consume succeeded).
    consumed: bool = False
    notification_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PurchaseView:
    """An unplaced purchase, as ``/pack grant``'s ``purchase`` option offers it. A Stripe payment that
    named no member has no ``buyer_user_id``; ``email`` is the buyer's as Stripe gave it (R23)."""

    purchase_id: int
    buyer_user_id: int | None
    bought_at: datetime
    email: str | None = None
