"""R2 ``/pack grant``: a bought pack recorded on the student's seat with a mentor."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from core import history, rules
from core.bounds import MAX_PACK_SESSIONS, MAX_VALID_DAYS, MIN_PACK_SESSIONS, MIN_VALID_DAYS
from core.domain import Actor, PackStatus, require_admin
from core.errors import InvalidInput, NotFound
from core.packs.results import PackGranted
from core.schema import mentors, packs, with_people
from core.seats.placement import seat_for_pack
from core.texts import mention
from core.tx import Tx, hold_request


def grant_pack(
    tx: Tx,
    *,
    guild_id: int,
    actor: Actor,
    student_user_id: int,
    student_name: str,
    mentor_user_id: int,
    sessions_count: int | None = None,
    valid_days: int | None = None,
    request_key: str | None = None,
) -> PackGranted:
    """R2: record a bought pack of sessions with a mentor.

    It joins the student's live seat with that mentor (a seat in grace returns to active, its grace
    deadline cleared), or takes a free seat of the mentor's; with no free seat nothing is written.
    """
    require_admin(actor, "grant packs")
    if request_key is not None:
        hold_request(tx, request_key)
        granted = _granted_by_request(tx, guild_id, request_key)
        if granted is not None:
            return granted
    total, days = _pack_size(tx, guild_id, sessions_count, valid_days)
    if student_user_id == mentor_user_id:
        raise InvalidInput("A mentor can't hold a seat with themselves; pick another student or mentor.")
    mentor_row = _mentor_row_id(tx, guild_id, mentor_user_id)
    taken = seat_for_pack(tx, guild_id, mentor_row, mentor_user_id, student_user_id, student_name)
    seat_id, new_seat, from_grace = taken.seat_id, taken.new, taken.from_grace
    ends_at = tx.now + timedelta(days=days)
    pack_id = _add_pack(tx, guild_id, seat_id, total, ends_at, actor, request_key)
    history.record(
        tx,
        guild_id=guild_id,
        actor_id=actor.user_id,
        action="pack_granted",
        seat_id=seat_id,
        pack_id=pack_id,
        sessions=total,
        valid_days=days,
        new_seat=new_seat,
        renewed_from_grace=from_grace,
    )
    return PackGranted(
        pack_id=pack_id,
        seat_id=seat_id,
        student_user_id=student_user_id,
        mentor_user_id=mentor_user_id,
        sessions=total,
        ends_at=ends_at,
        new_seat=new_seat,
        renewed_from_grace=from_grace,
        sessions_left_on_seat=_sessions_left_on_seat(tx, seat_id),
    )


def _add_pack(
    tx: Tx, guild_id: int, seat_id: int, total: int, ends_at: datetime, actor: Actor, request_key: str | None
) -> int:
    """The pack's row: ``total`` sessions until ``ends_at``, with the moment its expiry warning falls due."""
    pack_id: int = tx.conn.execute(
        insert(packs)
        .values(
            guild_id=guild_id,
            seat_id=seat_id,
            sessions_total=total,
            sessions_left=total,
            sessions_booked=0,
            sessions_forfeited=0,
            status=PackStatus.ACTIVE.value,
            granted_at=tx.now,
            ends_at=ends_at,
            expiry_warning_at=rules.warning_at(ends_at, tx.policy_for(guild_id).expiry_warning_lead),
            expiry_warned=False,
            granted_by=actor.user_id,
            request_key=request_key,
        )
        .returning(packs.c.id)
    ).scalar_one()
    return pack_id


def _pack_size(tx: Tx, guild_id: int, sessions_count: int | None, valid_days: int | None) -> tuple[int, int]:
    """The sessions and days of validity a grant gives (the server's defaults when not given),
    refused out of bounds."""
    total = tx.policy_for(guild_id).pack_size if sessions_count is None else sessions_count
    days = tx.policy_for(guild_id).pack_valid_days if valid_days is None else valid_days
    if not MIN_PACK_SESSIONS <= total <= MAX_PACK_SESSIONS:
        raise InvalidInput(
            f"A pack holds {MIN_PACK_SESSIONS} to {MAX_PACK_SESSIONS} sessions; you gave {total}."
        )
    if not MIN_VALID_DAYS <= days <= MAX_VALID_DAYS:
        raise InvalidInput(f"A pack is valid for {MIN_VALID_DAYS} to {MAX_VALID_DAYS} days; you gave {days}.")
    return total, days


def _mentor_row_id(tx: Tx, guild_id: int, mentor_user_id: int) -> int:
    """The row id of mentor ``mentor_user_id`` here, refused when they are none (or were removed)."""
    mentor_row: int | None = tx.conn.execute(
        select(mentors.c.id).where(
            mentors.c.guild_id == guild_id,
            mentors.c.user_id == mentor_user_id,
            mentors.c.removed_at.is_(None),  # removed with /mentor remove (R16)
        )
    ).scalar()
    if mentor_row is None:
        raise NotFound(
            f"{mention(mentor_user_id)} is not a mentor here; register them first with /mentor add."
        )
    return mentor_row


def _granted_by_request(tx: Tx, guild_id: int, request_key: str) -> PackGranted | None:
    row = tx.conn.execute(
        with_people(packs, packs.c.id, packs.c.seat_id, packs.c.sessions_total, packs.c.ends_at).where(
            packs.c.request_key == request_key, packs.c.guild_id == guild_id
        )
    ).one_or_none()
    if row is None:
        return None
    return PackGranted(
        pack_id=row.id,
        seat_id=row.seat_id,
        student_user_id=row.student_id,
        mentor_user_id=row.mentor_user_id,
        sessions=row.sessions_total,
        ends_at=row.ends_at,
        new_seat=False,
        renewed_from_grace=False,
        sessions_left_on_seat=_sessions_left_on_seat(tx, row.seat_id),
        already_granted=True,
    )


def _sessions_left_on_seat(tx: Tx, seat_id: int) -> int:
    left = tx.conn.execute(
        select(func.coalesce(func.sum(packs.c.sessions_left), 0)).where(
            packs.c.seat_id == seat_id, packs.c.status == PackStatus.ACTIVE.value
        )
    ).scalar_one()
    return int(left)
