"""One change to a seat at a time: every transaction that changes a seat, its packs or its sessions
takes the seat first (R12), so two changes to one seat run one after the other and each reads what
the other left.

On PostgreSQL (READ COMMITTED) each of these helpers is one ``SELECT … FOR NO KEY UPDATE`` of the seat
rows, in id order (so two transactions that take several seats never take them in opposite orders),
run before the use case reads anything it decides on: a transaction that finds the seat taken waits
for it, and its next statements then see what the other committed. ``NO KEY UPDATE`` leaves the
foreign-key checks of inserted packs, sessions and notifications free to pass. The sweep takes seats
with ``SKIP LOCKED`` instead (``core.sweep``): it leaves a seat being changed for its next pass.

A mentor's row, where a change takes one (a seat reserved or freed), is always taken after the
seats, never before.

On SQLite writers already run one at a time (``BEGIN IMMEDIATE`` and the process's write lock,
``core.db``): the helpers do nothing there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, bindparam, select

from core.domain import SeatStatus
from core.schema import packs, seats, sessions
from core.tx import Tx

_HELD = seats.c.status != SeatStatus.RELEASED.value


def _take(tx: Tx, query: Select[tuple[int]]) -> None:
    tx.conn.execute(query.order_by(seats.c.id).with_for_update(of=seats, key_share=True)).all()


def lock_seats(tx: Tx, seat_ids: Iterable[int]) -> None:
    """Take seats ``seat_ids`` (PostgreSQL)."""
    wanted = sorted(set(seat_ids))
    if tx.is_postgres and wanted:
        _take(tx, select(seats.c.id).where(seats.c.id.in_(wanted)))


_OF_SESSION = (
    select(seats.c.id)
    .join(sessions, sessions.c.seat_id == seats.c.id)
    .where(sessions.c.id == bindparam("session_id"))
)
_OF_PACK = (
    select(seats.c.id).join(packs, packs.c.seat_id == seats.c.id).where(packs.c.id == bindparam("pack_id"))
)


def lock_seat_of_session(tx: Tx, session_id: int) -> None:
    """Take the seat session ``session_id`` is booked on (a session never changes seats)."""
    if tx.is_postgres:
        tx.conn.execute(
            _OF_SESSION.order_by(seats.c.id).with_for_update(of=seats, key_share=True),
            {"session_id": session_id},
        ).all()


def lock_seat_of_pack(tx: Tx, pack_id: int) -> None:
    """Take the seat pack ``pack_id`` sits on (a pack never changes seats)."""
    if tx.is_postgres:
        tx.conn.execute(
            _OF_PACK.order_by(seats.c.id).with_for_update(of=seats, key_share=True), {"pack_id": pack_id}
        ).all()


def lock_seats_of_student(
    tx: Tx, student_user_id: int, *, guild_id: int | None = None, mentor_id: int | None = None
) -> None:
    """Take every seat ``student_user_id`` holds or is offered (in server ``guild_id``, with mentor row
    ``mentor_id``, when given). A seat released while this waited is not taken, and needs not be."""
    if not tx.is_postgres:
        return
    query = select(seats.c.id).where(seats.c.student_id == student_user_id, _HELD)
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    if mentor_id is not None:
        query = query.where(seats.c.mentor_id == mentor_id)
    _take(tx, query)
