"""R17 at the rule level, on SQLite and PostgreSQL: which seat a purchase goes to, once per
entitlement whatever the races, unplaced purchases and their notices, and ``core.purchases.shop``'s
order (grant committed, then consume)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from core.clock import ManualClock
from core.delivery import deliver
from core.domain import Actor, Policy, PurchaseStatus
from core.errors import Refusal
from core.purchases import Bought, Purchases, ShopError, grant_purchase, record_purchase, unplaced_purchases
from core.schema import mentors, packs, purchases, seats, server_settings
from core.service import Service
from core.tx import Tx
from tests.conftest import ADMIN, GUILD, START, Program, RecordingSender
from tests.core.helpers import outcomes

SKU = 7_000
OTHER_GUILD = 2000
BUYER = 20
FALLBACK = 555


@pytest.fixture
def policy() -> Policy:
    """Every server sells SKU as its renewal SKU (RENEWAL_SKU_ID) and has a fallback channel."""
    return Policy(renewal_sku_id=SKU, fallback_channel_id=FALLBACK)


async def buy(
    service: Service, entitlement: int, *, user: int = BUYER, sku: int = SKU, guild: int | None = None
) -> Any:
    return await service.write(
        record_purchase,
        entitlement_id=entitlement,
        sku_id=sku,
        buyer_user_id=user,
        guild_id=guild,
        server_ids=(GUILD,),
    )


async def count(program: Program, table: Any) -> int:
    return int((await program.rows(select(func.count()).select_from(table)))[0][0])


async def test_a_purchase_goes_to_the_seat_in_grace_before_a_live_one(program: Program) -> None:
    await program.mentor(10, seats=1)
    await program.mentor(11, seats=1)
    live = await program.grant(mentor=10, sessions=1)
    in_grace = await program.grant(mentor=11, sessions=1)
    await program.complete(mentor=11)  # the last session with mentor 11: that seat is in grace
    assert (await program.seat(in_grace.seat_id)).status == "grace"

    result = await buy(program.service, 1)

    assert result.status == PurchaseStatus.PLACED
    assert result.pack.seat_id == in_grace.seat_id
    assert result.pack.renewed_from_grace
    seat = await program.seat(in_grace.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("active", None)
    assert (await program.seat(live.seat_id)).active_packs == 1


async def test_among_live_seats_the_one_with_the_fewest_sessions_left(program: Program) -> None:
    await program.mentor(10, seats=1)
    await program.mentor(11, seats=1)
    await program.grant(mentor=10, sessions=3)
    fewer = await program.grant(mentor=11, sessions=2)

    result = await buy(program.service, 1)

    assert result.pack.seat_id == fewer.seat_id
    assert result.pack.mentor_user_id == 11


async def test_a_seat_offered_to_the_buyer_comes_before_a_live_one_and_becomes_theirs(
    program: Program,
) -> None:
    await program.mentor(10, seats=1)
    await program.mentor(11, seats=1)
    await program.grant(mentor=10, sessions=1)
    offered = await offer_seat(program, mentor=11, student=BUYER)

    result = await buy(program.service, 1)

    assert result.pack.seat_id == offered
    seat = await program.seat(offered)
    assert (seat.status, seat.active_packs) == ("active", 1)
    held = (await program.rows(select(mentors.c.seats_held).where(mentors.c.user_id == 11)))[0][0]
    assert held == 1  # the offered seat was counted already; taking it counts nothing more


async def offer_seat(program: Program, *, mentor: int, student: int) -> int:
    """A seat held for ``student`` from the waitlist (R19), as an offer leaves it: status offered,
    counted in the mentor's seats."""

    def hold(tx: Tx) -> int:
        mentor_row = tx.conn.execute(
            select(mentors.c.id).where(mentors.c.guild_id == GUILD, mentors.c.user_id == mentor)
        ).scalar_one()
        tx.conn.execute(
            update(mentors).where(mentors.c.id == mentor_row).values(seats_held=mentors.c.seats_held + 1)
        )
        return int(
            tx.conn.execute(
                insert(seats)
                .values(
                    guild_id=GUILD,
                    mentor_id=mentor_row,
                    student_id=student,
                    student_name=f"student{student}",
                    status="offered",
                    active_packs=0,
                    grace_period=0,
                    final_warning_queued=False,
                    created_at=tx.now,
                )
                .returning(seats.c.id)
            ).scalar_one()
        )

    return await program.service.write(hold)


async def test_with_several_servers_the_most_urgent_seat_wins(service: Service, clock: ManualClock) -> None:
    here, there = Program(service, clock, GUILD), Program(service, clock, OTHER_GUILD)
    await here.mentor(10)
    await there.mentor(10)
    await here.grant(sessions=1)  # the older seat
    other = await there.grant(sessions=1)
    await there.complete()  # grace there ends at START + 72 h
    clock.advance(timedelta(hours=1))
    await here.complete()  # grace here ends an hour later

    result = await buy(service, 1)

    assert result.guild_id == OTHER_GUILD
    assert result.pack.seat_id == other.seat_id
    # The next purchase goes to the seat still in grace, in the other server.
    assert (await buy(service, 2)).guild_id == GUILD


async def test_a_server_that_sells_another_sku_is_not_where_the_purchase_goes(
    service: Service, clock: ManualClock
) -> None:
    here, there = Program(service, clock, GUILD), Program(service, clock, OTHER_GUILD)
    await here.mentor(10)
    await there.mentor(10)
    await here.grant(sessions=1)
    await here.complete()  # in grace here, but this server sells another SKU now
    await sell(service, GUILD, SKU + 1)
    elsewhere = await there.grant(sessions=3)

    result = await buy(service, 1)

    assert result.pack.seat_id == elsewhere.seat_id
    assert await buy(service, 2, sku=SKU + 5) is None  # no server sells that SKU: not ours
    assert await count(here, purchases) == 1


async def sell(service: Service, guild: int, sku: int) -> None:
    await service.write(
        lambda tx: tx.conn.execute(
            insert(server_settings).values(
                guild_id=guild, name="renewal_sku_id", value=str(sku), updated_by=1, updated_at=tx.now
            )
        )
    )


async def test_the_same_entitlement_at_once_many_times_grants_one_pack(program: Program) -> None:
    await program.mentor(seats=1)
    await program.grant(sessions=1)
    await program.complete()

    done, refused = await outcomes([buy(program.service, 99) for _ in range(20)])

    assert refused == []
    assert sum(not result.already_recorded for result in done) == 1
    assert {result.purchase_id for result in done} == {done[0].purchase_id}
    assert await count(program, purchases) == 1
    assert await count(program, packs) == 2
    assert [row.kind for row in await program.notifications("purchase_placed")] == ["purchase_placed"]


async def test_an_unplaced_purchase_tells_the_buyer_and_the_admins_until_it_is_placed(
    program: Program, service: Service
) -> None:
    await program.mentor(seats=1)

    kept = await buy(service, 5)

    assert kept.status == PurchaseStatus.UNPLACED
    assert kept.guild_id == GUILD
    assert sorted(row.kind for row in await program.notifications()) == [
        "purchase_unplaced",
        "purchase_unplaced_admins",
    ]
    assert await usecases_unplaced(service, ADMIN) == [kept.purchase_id]
    assert await usecases_unplaced(service, Actor(10)) == []  # only an admin sees them

    placed = await service.write(
        grant_purchase,
        guild_id=GUILD,
        actor=ADMIN,
        purchase_id=kept.purchase_id,
        student_user_id=BUYER,
        student_name="student20",
        mentor_user_id=10,
        request_key="interaction:1",
    )
    # The same request again (a retry) finds the same pack; nothing more is granted.
    again = await service.write(
        grant_purchase,
        guild_id=GUILD,
        actor=ADMIN,
        purchase_id=kept.purchase_id,
        student_user_id=BUYER,
        student_name="student20",
        mentor_user_id=10,
        request_key="interaction:1",
    )
    assert again.already_granted
    assert again.pack_id == placed.pack_id
    assert await usecases_unplaced(service, ADMIN) == []

    # The notices not sent yet no longer apply: dropped, not sent; the placed DM goes out.
    sender = RecordingSender()
    report = await deliver(service, sender)
    assert report.dropped == 2
    assert [item.kind.value for item in sender.sent] == ["purchase_placed"]


async def usecases_unplaced(service: Service, actor: Actor) -> list[int]:
    found = await service.read(unplaced_purchases, guild_id=GUILD, actor=actor)
    return [item.purchase_id for item in found]


async def test_two_admins_placing_one_purchase_at_once_grant_one_pack(program: Program) -> None:
    await program.mentor(10, seats=2)
    await program.mentor(11, seats=2)
    kept = await buy(program.service, 5)

    def place(mentor: int, key: str) -> Any:
        return program.service.write(
            grant_purchase,
            guild_id=GUILD,
            actor=ADMIN,
            purchase_id=kept.purchase_id,
            student_user_id=BUYER,
            student_name="student20",
            mentor_user_id=mentor,
            request_key=key,
        )

    done, refused = await outcomes([place(10, "a"), place(11, "b")])

    assert (len(done), len(refused)) == (1, 1)
    assert await count(program, packs) == 1
    assert await count(program, seats) == 1
    held = await program.rows(select(mentors.c.user_id, mentors.c.seats_held).order_by(mentors.c.user_id))
    assert sum(row.seats_held for row in held) == 1


async def test_a_purchase_placed_message_is_dropped_once_its_pack_is_refunded(program: Program) -> None:
    await program.mentor(seats=1)
    await program.grant()
    placed = await buy(program.service, 1)
    await program.service.write(
        lambda tx: tx.conn.execute(
            update(packs)
            .where(packs.c.id == placed.pack.pack_id)
            .values(status="revoked", sessions_forfeited=packs.c.sessions_left, sessions_left=0)
        )
    )
    report = await deliver(program.service, RecordingSender())
    assert (report.sent, report.dropped) == (0, 1)


# ---- core.purchases.shop: consume after the grant commits ------------------------------------------------------


class Store:
    """A store holding entitlements; ``consume`` can be made to fail."""

    def __init__(self, waiting: Sequence[Bought] = ()) -> None:
        self.waiting = list(waiting)
        self.consumed: list[int] = []
        self.fail_consume = 0

    async def unconsumed(self) -> Sequence[Bought]:
        return [item for item in self.waiting if item.entitlement_id not in self.consumed]

    async def consume(self, entitlement_id: int) -> None:
        if self.fail_consume:
            self.fail_consume -= 1
            raise ShopError("503")
        self.consumed.append(entitlement_id)

    def server_ids(self) -> Sequence[int]:
        return (GUILD,)


async def nothing(ids: tuple[int, ...]) -> None:
    return None


async def test_a_failed_consume_is_retried_by_the_next_reading_and_grants_nothing_more(
    program: Program, service: Service
) -> None:
    await program.mentor(seats=1)
    await program.grant()
    bought = Bought(42, SKU, BUYER)
    store = Store([bought])
    store.fail_consume = 1
    shop = Purchases(service, store, nothing)

    first = await shop.take(bought)
    assert first is not None
    assert first.status == PurchaseStatus.PLACED
    assert store.consumed == []  # the grant stands; the consume waits for the next reading

    await shop.place_unconsumed()
    await shop.place_unconsumed()

    assert store.consumed == [42]
    assert await count(program, packs) == 2
    (row,) = await program.rows(select(purchases))
    assert row.consumed_at == START


async def test_a_refusal_is_one_sentence_and_changes_nothing(program: Program, service: Service) -> None:
    await program.mentor(seats=1)
    kept = await buy(service, 5)
    with pytest.raises(Refusal) as refusal:
        await service.write(
            grant_purchase,
            guild_id=OTHER_GUILD,
            actor=ADMIN,
            purchase_id=kept.purchase_id,
            student_user_id=BUYER,
            student_name="s",
            mentor_user_id=10,
        )
    assert refusal.value.message == (
        f"There is no purchase #{kept.purchase_id} in this server; pick one from the list."
    )
    assert await count(program, packs) == 0
