"""``/mysessions``: a member's live seats, the seats released lately (why, and how their server takes a
renewal), their places in waitlists (R19), and the servers where renewing makes sense now."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from core.domain import PackStatus, Policy, SeatStatus
from core.schema import IN_LINE, mentors, packs, seats, waitlist
from core.seats.results import SeatView
from core.seats.views import RECENT_PACKS, my_seats
from core.tx import AnyRow, Tx


class ReleaseReason(StrEnum):
    GRACE_ENDED = "grace_ended"  # the grace ran out without a renewal
    EXPIRED = "expired"  # every pack passed its end date
    REFUNDED = "refunded"  # a pack was revoked (R16)


@dataclass(frozen=True, slots=True)
class ClosedSeat:
    """A seat released lately, why, and how its server takes a renewal."""

    seat_id: int
    guild_id: int
    mentor_user_id: int
    mentor_name: str
    released_at: datetime
    reason: ReleaseReason
    forfeited: int  # sessions lost to expiry or the refund
    renew_url: str | None
    renewal_sku_id: int | None


@dataclass(frozen=True, slots=True)
class LinePlace:
    """A student's place in a mentor's waitlist (R19): ``position`` 1 is next; ``offered_until``: a
    seat is held for them until then."""

    guild_id: int
    mentor_user_id: int
    mentor_name: str
    position: int
    offered_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class MySessions:
    seats: tuple[SeatView, ...]
    closed: tuple[ClosedSeat, ...] = ()
    places: tuple[LinePlace, ...] = ()
    # The servers where a renewal makes sense now (``renewal_sensible``, or a seat released lately).
    renew_in: tuple[int, ...] = ()


# The sessions left at which a pack asks for its renewal (the "one left" DM, R5).
RENEWAL_THRESHOLD = 1


def renewal_sensible(seat: SeatView, policy: Policy, now: datetime) -> bool:
    """Is it time to offer this live seat a renewal: it is in grace, it has at most
    ``RENEWAL_THRESHOLD`` sessions left, or a pack with sessions left ends within the server's expiry
    warning (R8)? With 4 sessions left and months to go, it is not."""
    if seat.status == SeatStatus.GRACE or seat.sessions_left <= RENEWAL_THRESHOLD:
        return True
    soon = now + policy.expiry_warning_lead
    return any(
        pack.status == PackStatus.ACTIVE and pack.left > 0 and pack.ends_at <= soon for pack in seat.packs
    )


def _line_places(tx: Tx, user_id: int, guild_id: int | None) -> tuple[LinePlace, ...]:
    """The user's places in line, with how many are ahead in each (one statement)."""
    ahead = waitlist.alias("ahead")
    position = (
        select(func.count())
        .where(
            ahead.c.mentor_id == waitlist.c.mentor_id,
            ahead.c.id <= waitlist.c.id,
            ahead.c.status == "waiting",
        )
        .scalar_subquery()
    )
    query = (
        select(
            waitlist.c.guild_id,
            waitlist.c.status,
            mentors.c.user_id,
            mentors.c.display_name,
            seats.c.offer_ends_at,
            position.label("position"),
        )
        .join(mentors, mentors.c.id == waitlist.c.mentor_id)
        .outerjoin(seats, seats.c.id == waitlist.c.seat_id)
        .where(waitlist.c.student_id == user_id, IN_LINE)
        .order_by(waitlist.c.guild_id, waitlist.c.id)
    )
    if guild_id is not None:
        query = query.where(waitlist.c.guild_id == guild_id)
    return tuple(
        LinePlace(
            guild_id=row.guild_id,
            mentor_user_id=row.user_id,
            mentor_name=row.display_name,
            position=int(row.position) if row.status == "waiting" else 0,
            offered_until=row.offer_ends_at if row.status == "offered" else None,
        )
        for row in tx.conn.execute(query)
    )


def _release_reason(seat: AnyRow, pack_statuses: set[str]) -> ReleaseReason:
    if PackStatus.REVOKED.value in pack_statuses:
        return ReleaseReason.REFUNDED
    if seat.grace_ends_at is not None and seat.released_at >= seat.grace_ends_at:
        return ReleaseReason.GRACE_ENDED
    return ReleaseReason.EXPIRED


def my_sessions(tx: Tx, *, user_id: int, guild_id: int | None = None) -> MySessions:
    """``/mysessions``: the live seats (``my_seats``) and the seats released in the last 30 days,
    each with why (grace ended, packs expired, a refund) and the server's way to renew; a seat released
    beside a live one with the same mentor (the student came back) is not listed."""
    live = my_seats(tx, user_id=user_id, guild_id=guild_id)
    held = {(seat.guild_id, seat.mentor_user_id) for seat in live}
    query = (
        select(
            seats.c.id,
            seats.c.guild_id,
            seats.c.grace_ends_at,
            seats.c.released_at,
            mentors.c.user_id.label("mentor_user_id"),
            mentors.c.display_name.label("mentor_name"),
        )
        .join(mentors, mentors.c.id == seats.c.mentor_id)
        .where(
            seats.c.student_id == user_id,
            seats.c.status == SeatStatus.RELEASED.value,
            seats.c.released_at >= tx.now - RECENT_PACKS,
        )
        .order_by(seats.c.released_at.desc(), seats.c.id)
    )
    if guild_id is not None:
        query = query.where(seats.c.guild_id == guild_id)
    rows = [row for row in tx.conn.execute(query) if (row.guild_id, row.mentor_user_id) not in held]
    statuses: dict[int, set[str]] = defaultdict(set)
    forfeited: dict[int, int] = defaultdict(int)
    if rows:
        for pack in tx.conn.execute(
            select(packs.c.seat_id, packs.c.status, packs.c.sessions_forfeited).where(
                packs.c.seat_id.in_([row.id for row in rows])
            )
        ):
            statuses[pack.seat_id].add(pack.status)
            forfeited[pack.seat_id] += pack.sessions_forfeited
    closed = []
    for row in rows:
        policy = tx.policy_for(row.guild_id)
        closed.append(
            ClosedSeat(
                seat_id=row.id,
                guild_id=row.guild_id,
                mentor_user_id=row.mentor_user_id,
                mentor_name=row.mentor_name,
                released_at=row.released_at,
                reason=_release_reason(row, statuses[row.id]),
                forfeited=forfeited[row.id],
                renew_url=policy.renew_url,
                renewal_sku_id=policy.renewal_sku_id,
            )
        )
    renew_in = {
        seat.guild_id for seat in live if renewal_sensible(seat, tx.policy_for(seat.guild_id), tx.now)
    }
    renew_in |= {seat.guild_id for seat in closed}
    return MySessions(
        seats=tuple(live),
        closed=tuple(closed),
        places=_line_places(tx, user_id, guild_id),
        renew_in=tuple(sorted(renew_in)),
    )
