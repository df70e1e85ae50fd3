"""Corrections (R16) and the /complete that asks instead of guessing (R3), at the rule level, on SQLite
and on PostgreSQL: what each correction changes, what it refuses (changing nothing), and that each
repeated or raced ends in the state of one run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core.delivery import TemporaryFailure, deliver
from core.domain import FIRST_RETRY, Actor
from core.errors import InvalidInput, NoFreeSeat, NotAllowed, NothingToDo, Refusal
from core.packs import extend_pack, revoke_pack
from core.schema import notifications
from core.seats import move_seat, remove_mentor
from core.sessions import CompletionChoice, SessionCompleted, complete_chosen, complete_or_ask, undo_session
from tests.conftest import START, Program, RecordingSender
from tests.core.helpers import changes_nothing, completed_sessions, held_seats, history_rows, outcomes

MENTOR, OTHER_MENTOR, STUDENT = Actor(10), Actor(11), 20


async def undo(
    program: Program, session_id: int, actor: Actor | None = None, reason: str = "wrong student"
) -> Any:
    return await program.service.write(
        undo_session,
        guild_id=program.guild_id,
        actor=actor or MENTOR,
        session_id=session_id,
        reason=reason,
    )


async def call(program: Program, use_case: Any, **kwargs: Any) -> Any:
    return await program.service.write(use_case, guild_id=program.guild_id, **kwargs)


async def refusal(program: Program, use_case: Any, kind: type[Refusal], **kwargs: Any) -> str:
    async with changes_nothing(program):
        with pytest.raises(kind) as raised:
            await call(program, use_case, **kwargs)
    return raised.value.message


# ---- /undo ------------------------------------------------------------------------------------------


async def test_undo_gives_the_session_back_voids_it_with_its_reason_and_tells_the_student(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    first = await program.complete()

    reverted = await undo(program, first.session_id, reason="  completed by mistake ")

    pack = await program.pack(granted.pack_id)
    assert (pack.sessions_left, pack.status) == (4, "active")
    session = await program.session(first.session_id)
    assert (session.status, session.void_reason, session.voided_by) == ("voided", "completed by mistake.", 10)
    assert reverted.left == 4
    assert not reverted.already_voided
    (told,) = await program.notifications("session_reverted")
    assert told.recipient_id == STUDENT
    assert "completed by mistake." in told.body
    assert "4 of 4 left" in told.body
    assert [row.session_id for row in await history_rows(program, "session_voided")] == [first.session_id]
    # R4: numbers count completed sessions only.
    again = await program.complete()
    assert again.number == 1


async def test_undo_renumbers_the_later_completions_of_the_pack(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    done = [await program.complete(key=f"k{n}") for n in range(3)]

    await undo(program, done[0].session_id)

    assert [(await program.session(item.session_id)).number for item in done[1:]] == [1, 2]
    assert (await program.complete()).number == 3


async def test_undoing_the_last_session_in_grace_returns_the_seat_to_active_and_no_final_warning_comes(
    program: Program,
) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    done = [await program.complete(key=f"k{n}") for n in range(4)]
    assert (await program.seat(granted.seat_id)).status == "grace"

    reverted = await undo(program, done[-1].session_id)

    seat = await program.seat(granted.seat_id)
    assert (seat.status, seat.grace_ends_at, seat.final_warning_at) == ("active", None, None)
    assert reverted.seat_back_from_grace
    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left) == ("active", 1)
    # What the completion owed and had not sent is dropped, and nothing of that grace comes later.
    for kind in ("pack_complete", "grace_started"):
        assert [row.status for row in await program.notifications(kind)] == ["dropped"]
    await program.later(hours=80)
    await program.sweep()
    assert await program.notifications("final_warning") == []
    assert (await program.seat(granted.seat_id)).status == "active"
    # Completing it again owes the pack-complete DM afresh (its key was freed).
    await program.complete(key="again")
    assert [row.status for row in await program.notifications("pack_complete")] == ["dropped", "pending"]


async def test_a_pending_one_left_goes_stale_once_its_completion_is_undone(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    done = [await program.complete(key=f"k{n}") for n in range(3)]

    await undo(program, done[0].session_id)

    assert [row.status for row in await program.notifications("one_left")] == ["dropped"]


async def test_undo_on_a_pack_past_its_end_date_counts_the_session_as_forfeited(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=10)
    booked = await program.schedule(at=START + timedelta(days=9, hours=23))
    await program.later(days=9, hours=23)
    done = await program.complete(session=booked.session_id)
    await program.grant(sessions=2)  # keeps the seat once the first pack expires
    await program.later(hours=2)
    await program.sweep()
    assert (await program.pack(granted.pack_id)).status == "expired"

    reverted = await undo(program, done.session_id, actor=Actor(1, is_admin=True))

    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left, pack.sessions_forfeited) == ("expired", 0, 4)
    assert reverted.forfeited
    assert await completed_sessions(program, granted.pack_id) == 0


async def test_a_concurrent_double_undo_gives_back_one_session(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    done = await program.complete()

    results, refused = await outcomes([undo(program, done.session_id) for _ in range(8)])

    assert refused == []
    assert sum(not result.already_voided for result in results) == 1
    assert (await program.pack(granted.pack_id)).sessions_left == 4
    assert len(await program.notifications("session_reverted")) == 1
    assert len(await history_rows(program, "session_voided")) == 1


async def test_undo_refusals_change_nothing(program: Program) -> None:
    await program.mentor()
    await program.mentor(11)
    await program.grant(sessions=4)
    done = await program.complete()
    booked = await program.schedule()

    assert "Only <@10> or an admin" in await refusal(
        program,
        undo_session,
        NotAllowed,
        actor=OTHER_MENTOR,
        session_id=done.session_id,
        reason="x",
    )
    assert "not completed" in await refusal(
        program, undo_session, NothingToDo, actor=MENTOR, session_id=booked.session_id, reason="x"
    )
    assert "reason" in await refusal(
        program, undo_session, InvalidInput, actor=MENTOR, session_id=done.session_id, reason="  "
    )
    await program.later(hours=25)
    assert "only an admin" in await refusal(
        program, undo_session, NotAllowed, actor=MENTOR, session_id=done.session_id, reason="x"
    )
    # An admin still may, while the seat is held.
    assert not (await undo(program, done.session_id, actor=Actor(1, is_admin=True))).already_voided


# ---- /complete asks instead of guessing ---------------------------------------------------------------


async def test_complete_asks_when_the_bookings_are_all_later_than_the_hour(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4)
    booked = await program.schedule(at=START + timedelta(hours=6))

    async with changes_nothing(program):
        asked = await call(program, complete_or_ask, actor=MENTOR, student_user_id=STUDENT, request_key="r1")
    assert asked == CompletionChoice(STUDENT, 10, booked.session_id, START + timedelta(hours=6))

    # Both buttons, each pressed several times at once: one session is completed.
    presses = [
        call(
            program,
            complete_chosen,
            actor=MENTOR,
            student_user_id=STUDENT,
            session_id=choice,
            choice_key="choice:1",
        )
        for choice in (booked.session_id, None) * 4
    ]
    results, refused = await outcomes(presses)
    assert refused == []
    assert sum(not result.already_completed for result in results) == 1
    assert all(isinstance(result, SessionCompleted) for result in results)
    assert await completed_sessions(program, granted.pack_id) == 1
    assert (await program.pack(granted.pack_id)).sessions_left == 3


async def test_complete_does_not_ask_with_a_booking_within_the_hour_or_none(program: Program) -> None:
    await program.mentor()
    await program.grant(sessions=4)
    unbooked = await call(program, complete_or_ask, actor=MENTOR, student_user_id=STUDENT)
    assert isinstance(unbooked, SessionCompleted)
    soon = await program.schedule(at=START + timedelta(minutes=40))
    due = await call(program, complete_or_ask, actor=MENTOR, student_user_id=STUDENT)
    assert isinstance(due, SessionCompleted)
    assert due.session_id == soon.session_id


# ---- /pack extend, /pack revoke ---------------------------------------------------------------------------


async def test_extend_brings_an_expired_pack_back_with_its_forfeited_sessions(program: Program) -> None:
    await program.mentor()
    granted = await program.grant(sessions=4, valid_days=10)
    await program.complete()
    await program.schedule(at=START + timedelta(days=9))  # a booking keeps the seat past the expiry
    await program.later(days=11)
    await program.sweep()
    assert (await program.pack(granted.pack_id)).sessions_forfeited == 2

    extended = await call(
        program,
        extend_pack,
        actor=program.admin,
        pack_id=granted.pack_id,
        days=30,
        request_key="e1",
    )
    again = await call(
        program,
        extend_pack,
        actor=program.admin,
        pack_id=granted.pack_id,
        days=30,
        request_key="e1",
    )

    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left, pack.sessions_forfeited) == ("active", 3, 0)
    assert pack.ends_at == START + timedelta(days=41)
    assert extended.reactivated
    assert extended.sessions_restored == 2
    assert again.already_extended
    assert again.ends_at == pack.ends_at
    assert (await program.seat(granted.seat_id)).active_packs == 1
    assert (await program.complete()).number == 2


async def test_revoke_cancels_the_bookings_and_releases_a_bare_seat_at_once(program: Program) -> None:
    await program.mentor(seats=1)
    granted = await program.grant(sessions=4)
    booked = await program.schedule()

    revoked = await call(
        program, revoke_pack, actor=program.admin, pack_id=granted.pack_id, reason="refunded"
    )
    again = await call(program, revoke_pack, actor=program.admin, pack_id=granted.pack_id, reason="refunded")

    pack = await program.pack(granted.pack_id)
    assert (pack.status, pack.sessions_left, pack.sessions_forfeited) == ("revoked", 0, 4)
    assert (await program.session(booked.session_id)).status == "cancelled"
    seat = await program.seat(granted.seat_id)
    assert (seat.status, seat.grace_ends_at) == ("released", None)
    assert revoked.seat_released
    assert again.already_revoked
    assert await held_seats(program, 10, program.guild_id) == (0, 0)
    kinds = sorted(row.kind for row in await program.notifications())
    assert kinds == ["seat_released", "seat_released_mentor", "session_booked", "session_cancelled"]
    # The freed seat takes the next grant.
    assert (await program.grant(21)).new_seat


async def test_revoke_keeps_a_seat_with_another_live_pack(program: Program) -> None:
    await program.mentor()
    first = await program.grant(sessions=4)
    await program.grant(sessions=2)

    revoked = await call(program, revoke_pack, actor=program.admin, pack_id=first.pack_id, reason="x")

    assert not revoked.seat_released
    assert (await program.seat(first.seat_id)).status == "active"
    assert sorted(row.kind for row in await program.notifications()) == [
        "pack_revoked",
        "pack_revoked_mentor",
    ]


# ---- /seat move, /mentor remove -----------------------------------------------------------------------


async def test_move_takes_the_seat_its_packs_and_bookings_to_a_mentor_with_a_free_seat(
    program: Program,
) -> None:
    await program.mentor(seats=1)
    await program.mentor(11, seats=1)
    granted = await program.grant(sessions=4)
    booked = await program.schedule()
    move = {
        "actor": program.admin,
        "student_user_id": STUDENT,
        "mentor_user_id": 10,
        "new_mentor_user_id": 11,
    }

    results, refused = await outcomes([call(program, move_seat, **move) for _ in range(4)])

    assert refused == []
    assert sum(not result.already_moved for result in results) == 1
    assert await held_seats(program, 10, program.guild_id) == (0, 0)
    assert await held_seats(program, 11, program.guild_id) == (1, 1)
    completed = await program.complete(mentor=11, session=booked.session_id)
    assert completed.pack_id == granted.pack_id
    recipients = sorted(
        row.recipient_id for row in await program.notifications() if row.kind.startswith("seat_moved")
    )
    assert recipients == [10, 11, 20]
    # The full mentor refuses.
    await program.grant(21, mentor=10)
    message = await refusal(
        program,
        move_seat,
        NoFreeSeat,
        actor=program.admin,
        student_user_id=21,
        mentor_user_id=10,
        new_mentor_user_id=11,
    )
    assert "no free seat" in message


async def test_remove_refuses_a_mentor_who_holds_seats_and_removes_one_who_holds_none(
    program: Program,
) -> None:
    await program.mentor()
    await program.grant()
    message = await refusal(program, remove_mentor, NothingToDo, actor=program.admin, mentor_user_id=10)
    assert "still holds 1 seat" in message
    assert "/seat move" in message
    await program.mentor(11)

    removed = await call(program, remove_mentor, actor=program.admin, mentor_user_id=11)
    again = await call(program, remove_mentor, actor=program.admin, mentor_user_id=11)

    assert not removed.already_removed
    assert again.already_removed
    with pytest.raises(Refusal, match="is not a mentor here"):
        await program.grant(21, mentor=11)
    await program.mentor(11)  # registered again
    assert (await program.grant(21, mentor=11)).new_seat


async def test_only_an_admin_may_correct_packs_seats_and_mentors(program: Program) -> None:
    await program.mentor()
    granted = await program.grant()
    for use_case, options in (
        (extend_pack, {"pack_id": granted.pack_id, "days": 3}),
        (revoke_pack, {"pack_id": granted.pack_id, "reason": "x"}),
        (remove_mentor, {"mentor_user_id": 10}),
        (move_seat, {"student_user_id": STUDENT, "mentor_user_id": 10, "new_mentor_user_id": 11}),
    ):
        assert "Only an admin" in await refusal(program, use_case, NotAllowed, actor=MENTOR, **options)


async def test_delivery_drops_a_renewal_reminder_whose_completion_was_reverted(
    program: Program, sender: RecordingSender
) -> None:
    """The stale rules: a one-left or pack-complete still owed when its turn comes (one a worker held
    through the undo and gave back, say) no longer applies once a completion of its pack is reverted."""
    await program.mentor()
    await program.grant(sessions=2)
    await program.grant(21, sessions=1)
    one_left = await program.complete(key="k1")
    pack_complete = await program.complete(21, key="k2")
    await undo(program, one_left.session_id)
    await undo(program, pack_complete.session_id)
    # Put what the undos dropped back in the queue, as if they had never been dropped there.
    await program.service.db.write(
        lambda c: c.execute(
            update(notifications)
            .where(notifications.c.kind.in_(["one_left", "pack_complete"]))
            .values(status="pending")
        )
    )

    report = await deliver(program.service, sender)

    assert sorted(item.kind for item in sender.sent) == ["session_reverted", "session_reverted"]
    assert report.dropped == 2  # the one-left and the pack-complete


async def move_to_the_other_mentor(program: Program) -> None:
    await call(
        program,
        move_seat,
        actor=program.admin,
        student_user_id=STUDENT,
        mentor_user_id=10,
        new_mentor_user_id=11,
    )


async def test_a_dm_still_owed_about_a_moved_seat_names_the_new_mentor(program: Program) -> None:
    """The booking DM failed once (Discord answered 503) and waits for its retry when the seat moves:
    it is delivered naming the new mentor, not the old one."""
    await program.mentor(seats=1)
    await program.mentor(11, seats=1)
    await program.grant(sessions=4)
    (booking,) = (await program.schedule()).notification_ids
    sender = RecordingSender()
    sender.fail_next.append(TemporaryFailure("503 Service Unavailable"))
    assert (await deliver(program.service, sender)).retried == 1

    await move_to_the_other_mentor(program)
    await program.later(seconds=FIRST_RETRY.total_seconds())
    await deliver(program.service, sender)

    (sent,) = [item for item in sender.sent if item.id == booking]
    assert ("<@11>" in sent.body, "<@10>" in sent.body, sent.mentor_user_id) == (True, False, 11)


async def test_a_notice_still_owed_to_the_old_mentor_goes_to_the_new_one(program: Program) -> None:
    """The student's last session is done and the mentor's notice that the seat is in grace waits for
    its retry when an admin moves the seat: the new mentor, whose student it now is, gets it."""
    await program.mentor(seats=1)
    await program.mentor(11, seats=1)
    await program.grant(sessions=1)
    await program.complete()
    sender = RecordingSender()
    sender.fail_next += [TemporaryFailure("503"), TemporaryFailure("503")]
    assert (await deliver(program.service, sender)).retried == 2

    await move_to_the_other_mentor(program)
    await program.later(seconds=FIRST_RETRY.total_seconds())
    await deliver(program.service, sender)

    notice = next(item for item in sender.sent if item.kind.value == "grace_started")
    assert (notice.recipient_id, "<@10>" in notice.body) == (11, False)
