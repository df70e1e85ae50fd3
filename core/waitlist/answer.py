"""A student's answer to a waitlist offer (R19): Accept keeps the hold and tells the admins, Decline
frees the seat for the next in line."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from core import changes, history, texts
from core.changes import About, dm
from core.domain import Actor, NotificationKind, SeatStatus, WaitlistStatus
from core.errors import NotAllowed, NotFound, NothingToDo
from core.locks import lock_seats
from core.schema import mentors, seats, waitlist
from core.texts import mention, timestamp
from core.tx import AnyRow, Tx
from core.waitlist.offers import free_offered_seats, release_offer
from core.waitlist.results import OfferAnswered

_w = waitlist.c


_OFFER_REF = (
    select(
        seats.c.id,
        seats.c.guild_id,
        seats.c.mentor_id,
        seats.c.status,
        seats.c.student_id,
        seats.c.offer_ends_at,
        mentors.c.user_id.label("mentor_user_id"),
        _w.id.label("entry_id"),
        _w.status.label("entry_status"),
        _w.accepted_at,
    )
    .join(mentors, mentors.c.id == seats.c.mentor_id)
    .join(waitlist, _w.seat_id == seats.c.id)
    .where(seats.c.id == bindparam("seat_id"))
    .with_for_update(of=seats)
)


def _offer_ref(tx: Tx, actor: Actor, seat_id: int) -> AnyRow:
    # The seat first, in its own statement: the offer's place in line is then read as the sweep (an
    # offer lapsing) or a grant left it.
    lock_seats(tx, (seat_id,))
    ref = tx.conn.execute(_OFFER_REF, {"seat_id": seat_id}).one_or_none()
    if ref is None:
        raise NotFound(f"There is no waitlist offer #{seat_id}; /waitlist show lists your places.")
    if ref.student_id != actor.user_id:
        raise NotAllowed(f"This offer is for {mention(ref.student_id)}; only they can answer it.")
    if ref.status != SeatStatus.OFFERED:
        if ref.entry_status == WaitlistStatus.SEATED:
            raise NothingToDo(
                f"You already hold this seat with {mention(ref.mentor_user_id)}; nothing to answer."
            )
        if ref.entry_status == WaitlistStatus.LAPSED:
            raise NothingToDo(
                f"This offer ran out {timestamp(ref.offer_ends_at, 'R')}; join {mention(ref.mentor_user_id)}'s "
                "line again with /waitlist join."
            )
        raise NothingToDo(
            f"You gave this seat up already; join {mention(ref.mentor_user_id)}'s line again with /waitlist join."
        )
    return ref


def accept_offer(tx: Tx, *, actor: Actor, seat_id: int) -> OfferAnswered:
    """R19 Accept: the hold is kept, and the admins are told (once) to grant the student a pack."""
    ref = _offer_ref(tx, actor, seat_id)
    policy = tx.policy_for(ref.guild_id)
    how = {
        "renewal_sku_id": policy.renewal_sku_id,
        "payment_link": policy.stripe_link,
        "fallback_channel_id": policy.fallback_channel_id,
        "guild_id": ref.guild_id,
    }
    answer = OfferAnswered(
        ref.id, ref.mentor_user_id, ref.student_id, True, ref.offer_ends_at, already=True, **how
    )
    accepted = tx.conn.execute(
        update(waitlist)
        .where(_w.id == ref.entry_id, _w.accepted_at.is_(None))
        .values(accepted_at=tx.now, updated_at=tx.now)
        .returning(_w.id)
    ).scalar()
    if accepted is None:
        return answer
    held = About(ref.guild_id, ref.id)
    # Where the server sells packs the student buys one themselves (R19); otherwise the admins are
    # told: in the fallback channel, else the server's owner by DM (the sender routes CHANNEL_KINDS).
    sells = policy.renewal_sku_id is not None or policy.stripe_link is not None
    note = texts.waitlist_accepted(ref.student_id, ref.mentor_user_id, ref.offer_ends_at)
    owed = [] if sells else [dm(held, NotificationKind.WAITLIST_ACCEPTED, ref.mentor_user_id, note)]
    ids = changes.record(tx, held, "waitlist_accepted", actor_id=actor.user_id, owed=owed)
    return OfferAnswered(
        ref.id, ref.mentor_user_id, ref.student_id, True, ref.offer_ends_at, notification_ids=ids, **how
    )


def decline_offer(tx: Tx, *, actor: Actor, seat_id: int) -> OfferAnswered:
    """R19 Decline: the held seat is freed, and offered to the next in line."""
    ref = _offer_ref(tx, actor, seat_id)
    freed = release_offer(tx, ref.id)
    if not freed:
        raise RuntimeError(f"offered seat {ref.id} changed while it was being declined")
    history.record(
        tx, guild_id=ref.guild_id, actor_id=actor.user_id, action="waitlist_declined", seat_id=ref.id
    )
    offers = free_offered_seats(tx, freed, WaitlistStatus.DECLINED)
    return OfferAnswered(
        ref.id,
        ref.mentor_user_id,
        ref.student_id,
        False,
        ref.offer_ends_at,
        notification_ids=offers.notification_ids,
    )
