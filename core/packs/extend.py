"""R16 ``/pack extend``: a pack's end date moved later; an expired pack whose seat is still held
returns to active with its forfeited sessions back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from core import history, outbox, rules
from core.bounds import MAX_VALID_DAYS, MIN_VALID_DAYS
from core.domain import Actor, NotificationKind, PackStatus, SeatStatus, require_admin
from core.errors import InvalidInput, NothingToDo
from core.packs.lookup import pack_ref
from core.packs.results import PackExtended
from core.schema import LIVE_SEAT, packs, seats
from core.seats.lookup import GAINS_A_LIVE_PACK
from core.texts import mention
from core.tx import AnyRow, Tx, hold_request


def extend_pack(
    tx: Tx, *, guild_id: int, actor: Actor, pack_id: int, days: int, request_key: str | None = None
) -> PackExtended:
    """R16: move a pack's end date ``days`` later. An expired pack whose seat is still held returns to
    active with its forfeited sessions back."""
    require_admin(actor, "extend packs")
    if not MIN_VALID_DAYS <= days <= MAX_VALID_DAYS:
        raise InvalidInput(
            f"A pack is extended by {MIN_VALID_DAYS} to {MAX_VALID_DAYS} days; you gave {days}."
        )
    if request_key is not None:
        hold_request(tx, request_key)
    ref = pack_ref(tx, guild_id, pack_id)
    result = {"pack_id": pack_id, "student_user_id": ref.student_id, "mentor_user_id": ref.mentor_user_id}
    if request_key is not None and ref.extend_key == request_key:
        return PackExtended(**result, ends_at=ref.ends_at, already_extended=True)
    _refuse_unless_extendable(ref)
    expired = ref.status == PackStatus.EXPIRED
    # From the later of its end date and now, so an expired pack gets the days it was given.
    ends_at = max(ref.ends_at, tx.now) + timedelta(days=days)
    policy = tx.policy_for(guild_id)
    restored = ref.sessions_forfeited if expired else 0
    tx.conn.execute(
        update(packs)
        .where(packs.c.id == pack_id, packs.c.status == ref.status)
        .values(
            ends_at=ends_at,
            expiry_warning_at=rules.warning_at(ends_at, policy.expiry_warning_lead),
            expiry_warned=False,
            extend_key=request_key,
            **(
                {
                    "status": PackStatus.ACTIVE.value,
                    "sessions_left": packs.c.sessions_left + packs.c.sessions_forfeited,
                    "sessions_forfeited": 0,
                    "closed_at": None,
                }
                if expired
                else {}
            ),
        )
    )
    reactivated = expired
    # R8: a warning about the old end date is dropped; the new end date gets its own (expiry_warned reset).
    outbox.drop_pending(tx, NotificationKind.EXPIRY_WARNING, pack_id=pack_id, why="the pack's end date moved")
    if expired:
        # Back among the seat's active packs; a seat in grace has a live pack again.
        tx.conn.execute(update(seats).where(seats.c.id == ref.seat_id, LIVE_SEAT).values(**GAINS_A_LIVE_PACK))
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="pack_extended",
        seat_id=ref.seat_id,
        pack_id=pack_id,
        days=days,
        ends_at=ends_at.isoformat(),
        previous_ends_at=ref.ends_at.isoformat(),
        sessions_restored=restored,
    )
    return PackExtended(**result, ends_at=ends_at, reactivated=reactivated, sessions_restored=restored)


def _refuse_unless_extendable(ref: AnyRow) -> None:
    """A pack can be extended unless it was refunded or used up, or expired on a seat since released."""
    who = f"{mention(ref.student_id)}'s pack #{ref.id} with {mention(ref.mentor_user_id)}"
    if ref.status == PackStatus.REVOKED:
        raise NothingToDo(f"{who} was refunded, so it can't be extended; grant a new pack with /pack grant.")
    if ref.status == PackStatus.DEPLETED:
        raise NothingToDo(f"{who} has no session left to extend; grant a new pack with /pack grant.")
    expired = ref.status == PackStatus.EXPIRED
    if expired and ref.sessions_left + ref.sessions_forfeited == 0:
        raise NothingToDo(f"{who} has no session left to extend; grant a new pack with /pack grant.")
    if expired and ref.seat_status == SeatStatus.RELEASED:
        raise NothingToDo(
            f"{who} expired and the seat has been released, so it can't be extended; grant a new pack with "
            "/pack grant."
        )
