"""Two changes to one seat at the same moment (R12): each pair ends in the state of one order, and each
reply tells that state. The races matter on PostgreSQL, where transactions run side by side (SQLite
writes one at a time, and runs the same tests as a check of the orders).

``tests.core.overlap`` holds the first change just before its commit while the second runs; each test
runs both ways round (``first``).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.domain import Policy, PurchaseStatus
from core.errors import NothingToDo
from core.packs import extend_pack
from core.purchases import PurchaseRecorded, record_purchase
from core.schema import purchases, seats
from core.sessions import SessionCompleted, SessionReverted, complete_session, undo_session
from core.sweep import SweepReport, sweep
from tests.conftest import ADMIN, GUILD, Program
from tests.core.overlap import Gate, overlap

SKU = 7_000
BOTH_WAYS = pytest.mark.parametrize("first", ["this", "that"])


def ordered(first: str, this: Any, that: Any) -> tuple[Any, Any]:
    return (this, that) if first == "this" else (that, this)


async def race(
    program: Program, first: str, this: tuple[Any, dict[str, Any]], that: tuple[Any, dict[str, Any]]
) -> tuple[Any, Any]:
    """Run use cases ``this`` and ``that`` (each with its keyword arguments) at once, the one named by
    ``first`` held before its commit while the other runs; their outcomes as (this, that)."""
    gate = Gate()
    (held, held_kwargs), (other, other_kwargs) = ordered(first, this, that)
    outcomes = await overlap(
        program.service.write(gate.hold(held), **held_kwargs),
        lambda: program.service.write(other, **other_kwargs),
        gate,
    )
    return ordered(first, *outcomes)


def undo(session_id: int) -> tuple[Any, dict[str, Any]]:
    return undo_session, {"guild_id": GUILD, "actor": ADMIN, "session_id": session_id, "reason": "mistake"}


SWEEP: tuple[Any, dict[str, Any]] = (sweep, {})


@BOTH_WAYS
async def test_completing_the_last_session_beside_an_undo_ends_as_one_order_and_says_so(
    program: Program, first: str
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=3)
    await program.complete(key="1")
    second = await program.complete(key="2")

    completed, reverted = await race(
        program,
        first,
        (complete_session, {"guild_id": GUILD, "actor": ADMIN, "student_user_id": 20, "request_key": "3"}),
        undo(second.session_id),
    )

    assert isinstance(completed, SessionCompleted)
    assert isinstance(reverted, SessionReverted)
    # Either order leaves one session of three, and the seat active.
    pack, seat = await program.pack(granted.pack_id), await program.seat(granted.seat_id)
    assert (pack.status, pack.sessions_left) == ("active", 1)
    assert (seat.status, seat.grace_ends_at, seat.active_packs) == ("active", None, 1)
    if first == "this":  # completed (grace), then undone (back from grace)
        assert (completed.left, completed.grace_ends_at is not None) == (0, True)
        assert (reverted.left, reverted.seat_back_from_grace) == (1, True)
    else:  # undone, then completed
        assert (reverted.left, reverted.seat_back_from_grace) == (2, False)
        assert (completed.left, completed.grace_ends_at) == (1, None)
    # Nothing is left to release the seat.
    await program.later(hours=80)
    await program.sweep()
    assert (await program.seat(granted.seat_id)).status == "active"


async def in_grace_until_its_end(program: Program) -> tuple[Any, SessionCompleted]:
    """A seat whose only pack (2 sessions) was used up, its grace now over: the grant and the last
    completion."""
    await program.mentor()
    granted = await program.grant(sessions=2)
    await program.complete(key="1")
    last = await program.complete(key="2")
    assert (await program.seat(granted.seat_id)).status == "grace"
    await program.later(hours=73)
    return granted, last


@BOTH_WAYS
async def test_an_undo_beside_the_sweep_at_the_grace_end_ends_as_one_order_and_says_so(
    program: Program, first: str
) -> None:
    granted, last = await in_grace_until_its_end(program)

    reverted, swept = await race(program, first, undo(last.session_id), SWEEP)

    assert isinstance(swept, SweepReport)
    seat, pack = await program.seat(granted.seat_id), await program.pack(granted.pack_id)
    if first == "this":  # undone first: the seat is active again, and nothing to release
        assert isinstance(reverted, SessionReverted)
        assert reverted.seat_back_from_grace
        assert swept.released_seats == ()
        assert (seat.status, pack.status, pack.sessions_left) == ("active", "active", 1)
    else:  # released first: the undo is refused and nothing of it is written
        assert isinstance(reverted, NothingToDo), reverted
        assert "has been released" in str(reverted)
        assert swept.released_seats == (granted.seat_id,)
        assert (seat.status, pack.status, pack.sessions_left) == ("released", "depleted", 0)


def extend(pack_id: int) -> tuple[Any, dict[str, Any]]:
    return extend_pack, {"guild_id": GUILD, "actor": ADMIN, "pack_id": pack_id, "days": 30}


@BOTH_WAYS
async def test_extending_an_expired_pack_beside_the_sweep_at_the_grace_end_ends_as_one_order(
    program: Program, first: str
) -> None:
    await program.mentor()
    expired = await program.grant(sessions=4, valid_days=2)
    await program.grant(sessions=1, valid_days=90)
    await program.later(days=3)
    assert (await program.sweep()).expired_packs == (expired.pack_id,)
    await program.complete(key="last")  # the live pack's only session: the seat enters grace
    assert (await program.seat(expired.seat_id)).status == "grace"
    await program.later(hours=73)

    extended, swept = await race(program, first, extend(expired.pack_id), SWEEP)

    seat, pack = await program.seat(expired.seat_id), await program.pack(expired.pack_id)
    if first == "this":  # extended first: the expired pack is back, the seat active, nothing released
        assert extended.reactivated
        assert extended.sessions_restored == 4
        assert swept.released_seats == ()
        assert (seat.status, pack.status, pack.sessions_left) == ("active", "active", 4)
    else:  # released first: the extension is refused
        assert isinstance(extended, NothingToDo), extended
        assert "has been released" in str(extended)
        assert swept.released_seats == (expired.seat_id,)
        assert (seat.status, pack.status) == ("released", "expired")


@BOTH_WAYS
async def test_extending_a_pack_beside_the_sweep_at_its_end_ends_as_one_order(
    program: Program, first: str
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=2)
    await program.later(days=2, hours=1)

    extended, swept = await race(program, first, extend(granted.pack_id), SWEEP)

    seat, pack = await program.seat(granted.seat_id), await program.pack(granted.pack_id)
    if first == "this":  # extended before it expired: it stays active, the seat held
        assert not isinstance(extended, NothingToDo)
        assert not extended.reactivated
        assert (swept.expired_packs, swept.released_seats) == ((), ())
        assert (seat.status, pack.status, pack.sessions_left) == ("active", "active", 4)
        assert pack.ends_at == extended.ends_at
    else:  # expired and released first: the extension is refused
        assert isinstance(extended, NothingToDo), extended
        assert "has been released" in str(extended)
        assert swept.released_seats == (granted.seat_id,)
        assert (seat.status, pack.status) == ("released", "expired")


@pytest.fixture
def policy() -> Policy:
    """Every server sells SKU as its renewal SKU (RENEWAL_SKU_ID)."""
    return Policy(renewal_sku_id=SKU)


@BOTH_WAYS
async def test_a_purchase_beside_the_sweep_at_the_grace_end_never_takes_a_second_seat(
    program: Program, first: str
) -> None:
    granted, _last = await in_grace_until_its_end(program)
    buy = (
        record_purchase,
        {"entitlement_id": 1, "sku_id": SKU, "buyer_user_id": 20, "guild_id": None, "server_ids": (GUILD,)},
    )

    bought, swept = await race(program, first, buy, SWEEP)

    assert isinstance(bought, PurchaseRecorded)
    held = await program.rows(select(seats.c.id, seats.c.status).where(seats.c.status != "released"))
    [purchase] = await program.rows(select(purchases))
    if first == "this":  # bought in grace: the pack renews the seat, which stays
        assert bought.status == PurchaseStatus.PLACED
        assert bought.pack is not None
        assert (bought.pack.seat_id, bought.pack.renewed_from_grace) == (granted.seat_id, True)
        assert swept.released_seats == ()
        assert [tuple(row) for row in held] == [(granted.seat_id, "active")]
        assert (purchase.status, purchase.pack_id) == ("placed", bought.pack.pack_id)
    else:  # the seat was released first: the purchase is kept unplaced, no seat reserved
        assert bought.status == PurchaseStatus.UNPLACED
        assert bought.pack is None
        assert swept.released_seats == (granted.seat_id,)
        assert held == []
        assert (purchase.status, purchase.pack_id) == ("unplaced", None)
