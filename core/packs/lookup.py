"""The pack a correction names (``/pack extend``, ``/pack revoke``), with its seat and people."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from core.errors import NotFound
from core.locks import lock_seat_of_pack
from core.schema import mentors, packs, seats
from core.tx import AnyRow, Tx

_PACK_REF = (
    select(
        packs.c.id,
        packs.c.status,
        packs.c.seat_id,
        packs.c.sessions_total,
        packs.c.sessions_left,
        packs.c.sessions_booked,
        packs.c.sessions_forfeited,
        packs.c.ends_at,
        packs.c.extend_key,
        seats.c.student_id,
        seats.c.status.label("seat_status"),
        seats.c.mentor_id,
        mentors.c.user_id.label("mentor_user_id"),
    )
    .join(seats, seats.c.id == packs.c.seat_id)
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .where(packs.c.id == bindparam("pack_id"), packs.c.guild_id == bindparam("guild_id"))
    .with_for_update(of=packs)
)


def pack_ref(tx: Tx, guild_id: int, pack_id: int) -> AnyRow:
    """Pack ``pack_id`` here with its seat and people, locked for the change (PostgreSQL): its seat is
    taken first (``core.locks``), so the seat's status read here is the one the change meets."""
    lock_seat_of_pack(tx, pack_id)
    ref = tx.conn.execute(_PACK_REF, {"pack_id": pack_id, "guild_id": guild_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no pack #{pack_id} here; pick one from the list.")
    return ref
