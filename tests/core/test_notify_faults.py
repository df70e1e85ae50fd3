"""Faults of issue 16 in what the bot tells people (R5, R8, R9, R19 and late DMs), each pinned at the
rule level on each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import waitlist as wl
from core.delivery import deliver
from core.domain import Actor
from core.errors import NothingToDo
from core.packs import extend_pack, revoke_pack
from core.seats import move_seat, remove_mentor
from core.sessions import noshow_session
from tests.conftest import Program, RecordingSender

MENTOR, STUDENT = 10, 20


# ---- 1. R5 counts on the sessions left, whatever took them ---------------------------------------------


async def test_after_a_no_show_the_renewal_dms_follow_the_sessions_left(program: Program) -> None:
    await program.mentor(MENTOR)
    granted = await program.grant(student=STUDENT, sessions=4)
    booked = await program.schedule(student=STUDENT, at=program.clock.now() + timedelta(hours=1))
    await program.later(hours=2)
    await program.service.write(
        noshow_session, guild_id=program.guild_id, actor=Actor(MENTOR), session_id=booked.session_id
    )
    assert "one_left" not in await program.kinds()  # 3 left

    first = await program.complete(student=STUDENT)
    assert (first.number, first.left, first.missed) == (1, 2, 1)
    assert "one_left" not in await program.kinds()
    second = await program.complete(student=STUDENT)
    assert (second.number, second.left, second.missed) == (2, 1, 1)
    (one_left,) = await program.notifications("one_left")
    assert one_left.body.startswith("You have 1 session remaining. Renew now to continue.")
    assert "Session 2 of 4 with <@10> is done (1 missed)." in one_left.body
    assert await program.notifications("pack_complete") == []

    last = await program.complete(student=STUDENT)
    assert (last.number, last.left, last.missed) == (3, 0, 1)
    assert last.grace_ends_at is not None
    assert len(await program.notifications("one_left")) == 1  # never a second "1 remaining"
    (complete,) = await program.notifications("pack_complete")
    assert complete.body.startswith("Your pack is complete. Renew within 72 hours to keep your seat.")
    assert "3 done, 1 missed" in complete.body
    assert (await program.pack(granted.pack_id)).status == "depleted"


# ---- 4. the "seat released" DMs say why ----------------------------------------------------------------


async def test_a_seat_released_at_the_grace_end_says_the_grace_ended(program: Program) -> None:
    await program.mentor(MENTOR, seats=2)
    granted = await program.grant(student=STUDENT, sessions=1)
    await program.complete(student=STUDENT)
    await program.later(hours=72)
    assert (await program.sweep()).released_seats == (granted.seat_id,)
    (to_student,) = await program.notifications("seat_released")
    assert to_student.body == (
        "Your seat with <@10> has been released. Your grace period ended without a renewal."
    )
    (to_mentor,) = await program.notifications("seat_released_mentor")
    assert to_mentor.body == (
        "The seat of <@20> with you has been released. Their grace period ended without a renewal. "
        "You now hold 0 of 2 seats."
    )


async def test_a_seat_released_after_its_pack_expired_says_how_many_sessions_went_unused(
    program: Program,
) -> None:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(student=STUDENT, sessions=4, valid_days=2)
    await program.complete(student=STUDENT)
    await program.later(days=2)
    assert (await program.sweep()).released_seats == (granted.seat_id,)
    ended = f"<t:{int((program.clock.now()).timestamp())}:D>"
    (to_student,) = await program.notifications("seat_released")
    assert to_student.body == (
        f"Your seat with <@10> has been released. Your pack expired on {ended} with 3 sessions unused."
    )
    (to_mentor,) = await program.notifications("seat_released_mentor")
    assert (
        f"Their pack expired on {ended} with 3 sessions unused. You now hold 0 of 1 seat." in to_mentor.body
    )


# ---- 6. R8: one expiry warning per end date ----------------------------------------------------------


async def delivered(program: Program) -> list[str]:
    """Deliver what is due now; the texts sent."""
    sender = RecordingSender()
    await deliver(program.service, sender)
    return [item.body for item in sender.sent]


async def extend(program: Program, pack_id: int, days: int) -> None:
    await program.service.write(
        extend_pack, guild_id=program.guild_id, actor=Actor(1, is_admin=True), pack_id=pack_id, days=days
    )


async def test_a_warning_queued_for_the_old_end_date_is_dropped_and_the_new_end_date_gets_its_own(
    program: Program,
) -> None:
    await program.mentor(MENTOR)
    granted = await program.grant(student=STUDENT, sessions=2, valid_days=10)
    old_end = program.clock.now() + timedelta(days=10)
    await program.later(days=7, hours=1)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)  # queued, not yet delivered
    await extend(program, granted.pack_id, 10)
    new_end = old_end + timedelta(days=10)

    (old,) = await program.notifications("expiry_warning")
    assert old.status == "dropped"
    assert f"<t:{int(old_end.timestamp())}:F>" in old.body
    assert await delivered(program) == []  # nothing left to send about the old date

    await program.later(days=9, hours=22)  # still more than 3 days before the new end
    assert (await program.sweep()).expiry_warnings == ()
    await program.later(hours=2)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)
    warnings = await program.notifications("expiry_warning")
    assert [warning.status for warning in warnings] == ["dropped", "pending"]
    assert f"<t:{int(new_end.timestamp())}:F>" in warnings[1].body


async def test_a_pack_warned_and_extended_is_warned_again_before_its_new_end(program: Program) -> None:
    await program.mentor(MENTOR)
    granted = await program.grant(student=STUDENT, sessions=2, valid_days=10)
    await program.later(days=7, hours=1)
    await program.sweep()
    assert len(await delivered(program)) == 1
    await extend(program, granted.pack_id, 5)
    await program.later(days=5)
    assert (await program.sweep()).expiry_warnings == (granted.pack_id,)
    assert len(await delivered(program)) == 1
    assert [warning.status for warning in await program.notifications("expiry_warning")] == ["sent", "sent"]


# ---- 5. a DM delivered late tells the truth about every deadline -----------------------------------------


async def test_a_pack_complete_dm_sent_late_counts_the_hours_truly_left(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(student=STUDENT, sessions=1)
    await program.complete(student=STUDENT)  # queued; the DM outage keeps it from going out
    (queued,) = await program.notifications("pack_complete")
    assert queued.body.startswith("Your pack is complete. Renew within 72 hours to keep your seat.")
    await program.later(hours=10, minutes=30)
    (sent,) = [text for text in await delivered(program) if text.startswith("Your pack is complete")]
    assert sent.startswith("Your pack is complete. Renew within 62 hours to keep your seat.")


async def test_a_final_warning_sent_late_counts_the_hours_truly_left(program: Program) -> None:
    await program.mentor(MENTOR)
    await program.grant(student=STUDENT, sessions=1)
    await program.complete(student=STUDENT)
    await delivered(program)
    await program.later(hours=60)  # 12 hours before the grace ends: the warning is queued
    assert (await program.sweep()).final_warnings != ()
    await program.later(hours=9)  # ... and sent 9 hours late
    (sent,) = [text for text in await delivered(program) if text.startswith("Your seat will be released")]
    assert sent.startswith("Your seat will be released in 3 hours.")


# ---- 3. a seat freed by a move or a revoke goes to the line; a removed mentor's line is closed -----------

ADMIN = Actor(1, is_admin=True)
OTHER_MENTOR, WAITING = 11, 21


async def join(program: Program, student: int, mentor: int = MENTOR) -> None:
    await program.service.write(
        wl.join_waitlist,
        guild_id=program.guild_id,
        actor=Actor(student),
        mentor_user_id=mentor,
        student_name=f"student{student}",
    )


async def test_a_seat_freed_by_a_revoke_is_offered_to_the_first_in_line(program: Program) -> None:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(student=STUDENT)
    await join(program, WAITING)
    await program.service.write(
        revoke_pack, guild_id=program.guild_id, actor=ADMIN, pack_id=granted.pack_id, reason="refund"
    )
    (offer,) = await program.notifications("waitlist_offer")
    assert offer.recipient_id == WAITING
    assert (await program.seat(offer.seat_id)).status == "offered"


async def test_a_seat_freed_by_a_move_is_offered_to_the_first_in_line(program: Program) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.mentor(OTHER_MENTOR, seats=1)
    await program.grant(student=STUDENT)
    await join(program, WAITING)
    await program.service.write(
        move_seat,
        guild_id=program.guild_id,
        actor=ADMIN,
        student_user_id=STUDENT,
        mentor_user_id=MENTOR,
        new_mentor_user_id=OTHER_MENTOR,
    )
    (offer,) = await program.notifications("waitlist_offer")
    assert offer.recipient_id == WAITING
    assert "<@10>" in offer.body


async def test_removing_a_mentor_closes_their_line(program: Program) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.mentor(OTHER_MENTOR, seats=1)
    await program.grant(student=STUDENT)
    await join(program, WAITING)
    await program.mentor(MENTOR, seats=0)  # no seat to offer once the student moves on
    await program.service.write(
        move_seat,
        guild_id=program.guild_id,
        actor=ADMIN,
        student_user_id=STUDENT,
        mentor_user_id=MENTOR,
        new_mentor_user_id=OTHER_MENTOR,
    )
    assert await program.notifications("waitlist_offer") == []
    await program.service.write(remove_mentor, guild_id=program.guild_id, actor=ADMIN, mentor_user_id=MENTOR)
    (closed,) = await program.notifications("waitlist_closed")
    assert closed.recipient_id == WAITING
    assert "their waitlist is closed" in closed.body
    with pytest.raises(NothingToDo, match="their line is closed"):
        await join(program, 24)
