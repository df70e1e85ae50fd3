"""The ``pack`` option's autocomplete: the packs an admin may extend or revoke here."""

from __future__ import annotations

from sqlalchemy import case, select

from core.domain import Actor, PackStatus
from core.packs.results import PackChoice
from core.schema import LIVE_SEAT, mentors, packs, seats
from core.seats.lookup import narrowed
from core.tx import Tx


def pack_choices(tx: Tx, *, guild_id: int, actor: Actor, typed: str = "") -> list[PackChoice]:
    """The packs an admin may extend or revoke here (not revoked ones), live seats first, newest first;
    narrowed to those whose student or mentor name holds ``typed``, or whose number starts with it."""
    if not actor.is_admin:
        return []
    query = (
        select(
            packs.c.id,
            seats.c.student_name,
            mentors.c.display_name,
            packs.c.status,
            packs.c.sessions_left,
            packs.c.sessions_total,
            packs.c.ends_at,
        )
        .join(seats, seats.c.id == packs.c.seat_id)
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(packs.c.guild_id == guild_id, packs.c.status != PackStatus.REVOKED.value)
        .order_by(case((LIVE_SEAT, 0), else_=1), packs.c.id.desc())
        .limit(25)
    )
    query = narrowed(query, typed, packs.c.id)
    return [
        PackChoice(
            pack_id=row.id,
            student_name=row.student_name,
            mentor_name=row.display_name,
            status=PackStatus(row.status),
            left=row.sessions_left,
            total=row.sessions_total,
            ends_at=row.ends_at,
        )
        for row in tx.conn.execute(query)
    ]
