"""Delivery through the outbox, on each backend: back-off, leases, unreachable students, stale
notifications, restarts and downtime. The sender is a test double; Discord itself is in tests/bot."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from core import outbox
from core.delivery import PermanentFailure, TemporaryFailure, Unreachable, deliver
from core.domain import (
    FIRST_RETRY,
    GIVE_UP_AFTER,
    MAX_RETRY_GAP,
    Actor,
    NotificationKind,
    gives_up,
    retry_delay,
)
from core.outbox import LEASE, Batch, Claimed
from core.outcomes import Outcome, apply_outcomes, fail, mark_sent, retry_later
from core.runtime import Runtime
from core.service import Service
from core.sessions import SessionCompleted, complete_session
from core.sweep import next_due, pending_notifications
from tests.conftest import START, Program, RecordingSender, Store

MENTOR, STUDENT = 10, 20
SECOND = timedelta(seconds=1)


class FailingSender(RecordingSender):
    """Every DM fails with ``error`` until ``failures`` is used up (``None``: for ever)."""

    def __init__(self, error: Exception, failures: int | None = None, *, fallback: bool = False) -> None:
        super().__init__(fallback=fallback)
        self.error = error
        self.failures = failures
        self.calls = 0

    async def send_dm(self, notification: Claimed) -> None:
        self.calls += 1
        if self.failures is None or self.failures > 0:
            if self.failures is not None:
                self.failures -= 1
            raise self.error
        await super().send_dm(notification)


async def one_left_queued(program: Program) -> int:
    """A mentor, a pack of 2, one session done: the *one left* DM is owed. Returns its id."""
    await program.mentor(MENTOR, seats=2)
    await program.grant(STUDENT, MENTOR, sessions=2)
    completed = await program.complete(STUDENT, MENTOR, key="first")
    (notification_id,) = completed.notification_ids
    return notification_id


async def row(program: Program, notification_id: int) -> Any:
    return next(item for item in await program.notifications() if item.id == notification_id)


# ---- the back-off schedule ------------------------------------------------------------------------


def test_backoff_starts_within_a_minute_doubles_and_never_exceeds_15_minutes() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 400)]
    assert timedelta(0) < delays[0] <= timedelta(minutes=1)
    assert delays[0] == FIRST_RETRY
    for before, after in itertools.pairwise(delays):
        assert after == min(before * 2, MAX_RETRY_GAP)
    assert max(delays) == MAX_RETRY_GAP == timedelta(minutes=15)
    assert [int(delay.total_seconds()) for delay in delays[:7]] == [30, 60, 120, 240, 480, 900, 900]


def test_gives_up_after_48_hours_not_before() -> None:
    assert timedelta(hours=48) == GIVE_UP_AFTER
    assert not gives_up(START, START)
    assert not gives_up(START, START + timedelta(hours=48) - SECOND)
    assert gives_up(START, START + timedelta(hours=48))


async def test_a_dm_discord_keeps_refusing_is_retried_on_schedule_then_failed_after_48_hours(
    program: Program, service: Service
) -> None:
    notification_id = await one_left_queued(program)
    sender = FailingSender(TemporaryFailure("503 Service Unavailable"))
    attempts: list[datetime] = []
    while True:
        report = await deliver(service, sender)
        current = await row(program, notification_id)
        attempts.append(program.clock.now())
        if current.status != "pending":
            break
        assert report.retried == 1
        next_attempt: datetime = current.next_attempt_at
        # Nothing is tried before its time.
        program.clock.set(next_attempt - SECOND)
        assert (await deliver(service, sender)).retried == 0
        program.clock.set(next_attempt)
    assert current.status == "failed"
    assert report.failed == 1
    assert sender.sent == []
    gaps = [after - before for before, after in itertools.pairwise(attempts)]
    assert gaps[0] <= timedelta(minutes=1)
    for before, after in itertools.pairwise(gaps):
        assert after == min(before * 2, MAX_RETRY_GAP)
    assert max(gaps) == MAX_RETRY_GAP
    # The last try is the first one 48 hours after it was due; every earlier one was before.
    assert attempts[-1] - START >= GIVE_UP_AFTER
    assert attempts[-2] - START < GIVE_UP_AFTER
    assert sender.calls == len(attempts)
    # Failed is final: later rounds leave it alone.
    program.clock.advance(timedelta(hours=1))
    assert (await deliver(service, sender)) == type(report)()
    assert sender.calls == len(attempts)


async def test_a_dm_that_fails_twice_then_goes_through_is_sent_once(
    program: Program, service: Service
) -> None:
    notification_id = await one_left_queued(program)
    sender = FailingSender(TemporaryFailure("500 Internal Server Error"), failures=2)
    assert (await deliver(service, sender)).retried == 1
    program.clock.advance(FIRST_RETRY)
    assert (await deliver(service, sender)).retried == 1
    program.clock.advance(FIRST_RETRY * 2)
    assert (await deliver(service, sender)).sent == 1
    current = await row(program, notification_id)
    assert (current.status, current.attempts, current.last_error) == ("sent", 2, None)
    assert [item.id for item in sender.sent] == [notification_id]
    program.clock.advance(timedelta(hours=1))
    assert (await deliver(service, sender)).sent == 0
    assert len(sender.sent) == 1


async def test_a_permanent_refusal_is_failed_at_once(program: Program, service: Service) -> None:
    notification_id = await one_left_queued(program)
    sender = FailingSender(PermanentFailure("404 10013: Unknown User"))
    report = await deliver(service, sender)
    assert (report.failed, report.retried) == (1, 0)
    assert (await row(program, notification_id)).status == "failed"


# ---- students who cannot be DMed ------------------------------------------------------------------


@pytest.mark.parametrize("code", [50007, 50278])
async def test_unreachable_without_fallback_is_failed_and_the_mentor_is_told(
    program: Program, service: Service, code: int
) -> None:
    notification_id = await one_left_queued(program)
    sender = FailingSender(Unreachable(f"403 {code}: Cannot send messages to this user"), failures=1)
    report = await deliver(service, sender)
    assert (report.failed, report.fallback, report.retried) == (1, 0, 0)
    assert (await row(program, notification_id)).status == "failed"
    (note,) = sender.texts_to(MENTOR)
    assert "could not DM <@20>" in note
    assert "no fallback channel" in note
    why = "their DMs are closed" if code == 50007 else "they share no server with me"
    assert f"({why})" in note
    assert "> You have 1 session remaining." in note
    assert sender.texts_to(STUDENT) == []
    # Never retried, the mentor told once.
    program.clock.advance(timedelta(hours=3))
    await deliver(service, sender)
    assert sender.calls == 2
    assert len(sender.texts_to(MENTOR)) == 1


async def test_unreachable_with_fallback_mentions_the_student_there_and_spares_the_mentor(
    program: Program, service: Service
) -> None:
    notification_id = await one_left_queued(program)
    sender = FailingSender(Unreachable("403 50007: Cannot send messages to this user"), 1, fallback=True)
    report = await deliver(service, sender)
    assert (report.fallback, report.failed) == (1, 0)
    assert [item.id for item in sender.fallback_posts] == [notification_id]
    assert (await row(program, notification_id)).status == "sent"
    assert sender.texts_to(MENTOR) == []  # the student got it: there is no failure to report


async def test_the_mentor_note_is_delivered_by_a_command_s_own_delivery(
    program: Program, service: Service
) -> None:
    """``deliver(ids=…)`` (what a command runs) also delivers the note it leads to."""
    notification_id = await one_left_queued(program)
    sender = FailingSender(Unreachable("403 50007"), failures=1)
    await deliver(service, sender, ids=(notification_id,))
    assert len(sender.texts_to(MENTOR)) == 1
    assert await service.read(pending_notifications) == 0


# ---- leases ---------------------------------------------------------------------------------------


async def test_a_worker_whose_lease_ran_out_cannot_mark_sent(program: Program, service: Service) -> None:
    notification_id = await one_left_queued(program)
    first = await service.write(outbox.claim)
    assert [item.id for item in first.items] == [notification_id]
    # Leased: a second worker gets nothing until the lease runs out.
    assert (await service.write(outbox.claim)).items == []
    program.clock.advance(LEASE - SECOND)
    assert (await service.write(outbox.claim)).items == []
    program.clock.advance(2 * SECOND)
    second = await service.write(outbox.claim)
    (late,), (current,) = first.items, second.items
    assert current.id == late.id
    assert current.lease_token == late.lease_token + 1
    assert current.nonce == late.nonce  # a resend is deduped by Discord
    # The first worker wakes up: it can mark nothing, retry nothing, fail nothing.
    assert await service.write(mark_sent, [(late.id, late.lease_token)]) == 0
    await service.write(retry_later, late, "late")
    assert await service.write(fail, late, "late") == ()
    applied = await service.write(apply_outcomes, [Outcome(late, sent=True)])
    assert applied.sent == 0
    still = await row(program, notification_id)
    assert (still.status, still.attempts, still.lease_token) == ("pending", 0, current.lease_token)
    # The worker holding the lease marks it sent, once.
    assert await service.write(mark_sent, [(current.id, current.lease_token)]) == 1
    assert await service.write(mark_sent, [(current.id, current.lease_token)]) == 0
    assert (await row(program, notification_id)).status == "sent"
    assert await program.notifications(kind="dm_failed") == []


async def test_a_crash_after_the_claim_is_recovered_once_the_lease_runs_out(
    program: Program, service: Service, store: Store
) -> None:
    notification_id = await one_left_queued(program)
    await service.write(outbox.claim)  # a worker claimed it and died before sending
    sender = RecordingSender()
    assert (await deliver(service, sender)).sent == 0
    program.clock.advance(LEASE)
    assert (await deliver(service, sender)).sent == 1
    assert [item.id for item in sender.sent] == [notification_id]


async def first_of_two_completed_by_a_command(
    program: Program, service: Service, sender: RecordingSender
) -> tuple[Runtime, tuple[SessionCompleted, Batch]]:
    """A pack of 2 and its first session completed as /complete runs it (``Runtime.command``): the
    *one left* DM is queued, leased to the command."""
    await program.mentor(MENTOR, seats=2)
    await program.grant(STUDENT, MENTOR, sessions=2)
    runtime = Runtime(service, sender)
    done = await runtime.command(
        complete_session, guild_id=program.guild_id, actor=Actor(MENTOR), student_user_id=STUDENT
    )
    return runtime, done


async def test_a_command_leases_its_dms_itself_and_a_stop_before_sending_sends_them_once(
    program: Program, service: Service
) -> None:
    """A command's transaction queues its DMs and leases them (``Runtime.command``): the reply goes
    out, then the send, with no claim between. Should the process stop before it sends, the DM is
    not lost: once the lease runs out the delivery tick sends it, once."""
    sender = RecordingSender()
    _, (completed, leased) = await first_of_two_completed_by_a_command(program, service, sender)
    assert [item.id for item in leased.items] == list(completed.notification_ids)
    (item,) = leased.items
    assert (item.kind, item.recipient_id, item.lease_token) == (NotificationKind.ONE_LEFT, STUDENT, 1)
    # It stops here, before the send. The tick finds nothing due while the lease holds...
    assert (await deliver(service, sender)).sent == 0
    program.clock.advance(LEASE)
    # ...then sends it, once, with the nonce the command's own send would have used.
    assert (await deliver(service, sender)).sent == 1
    assert (await deliver(service, sender)).sent == 0
    assert [(sent.id, sent.nonce) for sent in sender.sent] == [(item.id, item.nonce)]


async def test_a_command_that_sends_its_dms_sends_each_once(program: Program, service: Service) -> None:
    sender = RecordingSender()
    runtime, (_, leased) = await first_of_two_completed_by_a_command(program, service, sender)
    report = await runtime.deliver_caused(leased=leased)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    program.clock.advance(LEASE)
    assert (await deliver(service, sender)).sent == 0  # marked sent: nothing left for the tick
    assert sender.texts_to(STUDENT) == [leased.items[0].body]
    assert (await row(program, leased.items[0].id)).status == "sent"


# ---- notifications that no longer apply -----------------------------------------------------------


async def test_a_final_warning_is_dropped_after_a_renewal(program: Program, service: Service) -> None:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(STUDENT, MENTOR, sessions=1)
    await program.complete(STUDENT, MENTOR, key="last")
    sender = RecordingSender()
    await deliver(service, sender)
    await program.later(hours=61)
    swept = await program.sweep()
    assert swept.final_warnings == (granted.seat_id,)
    renewal = await program.grant(STUDENT, MENTOR, sessions=4)  # before the warning went out
    assert renewal.renewed_from_grace
    report = await deliver(service, sender)
    assert report.dropped == 1
    assert not any("will be released" in text for text in sender.texts_to(STUDENT))
    (warning,) = await program.notifications(kind="final_warning")
    assert (warning.status, warning.last_error) == ("dropped", "no longer applies")
    # And it is not queued again by a later sweep.
    await program.later(hours=20)
    await program.sweep()
    assert len(await program.notifications(kind="final_warning")) == 1


async def test_a_session_reminder_is_dropped_for_a_cancelled_session(
    program: Program, service: Service
) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=4)
    booked = await program.schedule(STUDENT, MENTOR, at=START + timedelta(days=2))
    sender = RecordingSender()
    await deliver(service, sender)
    await program.later(hours=25)
    assert (await program.sweep()).session_reminders == (booked.session_id,)
    await program.cancel(booked.session_id, MENTOR)
    report = await deliver(service, sender)
    # Both reminders (the student's and the mentor's, R21) dropped, the cancellation sent.
    assert (report.dropped, report.sent) == (2, 1)
    texts = sender.texts_to(STUDENT)
    assert not any(text.startswith("Reminder:") for text in texts)
    assert any("was cancelled" in text for text in texts)
    (reminder,) = await program.notifications(kind="session_reminder")
    assert reminder.status == "dropped"


# ---- restarts and downtime ------------------------------------------------------------------------


async def test_a_restart_delivers_what_was_pending_once(
    program: Program, service: Service, store: Store
) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=2)
    await program.complete(STUDENT, MENTOR, key="a")
    await program.complete(STUDENT, MENTOR, key="b")
    await service.write(outbox.claim, limit=1)  # the first process had claimed one when it stopped
    owed = await service.read(pending_notifications)
    # "1 session remaining" no longer applies once the pack is complete: that claim dropped it.
    assert owed == 2
    await service.db.dispose()  # the process stops

    restarted = Service(store.open(), program.clock, service.defaults)
    try:
        sender = RecordingSender()
        first = await deliver(restarted, sender)
        program.clock.advance(LEASE)
        second = await deliver(restarted, sender)
        assert first.sent + second.sent == owed
        assert sorted(item.kind.value for item in sender.sent) == ["grace_started", "pack_complete"]
        assert len({item.id for item in sender.sent}) == len(sender.sent)
        assert await restarted.read(pending_notifications) == 0
        program.clock.advance(timedelta(hours=1))
        assert (await deliver(restarted, sender)).sent == 0
    finally:
        await restarted.db.dispose()


async def test_downtime_across_the_final_warning_catches_up_once_then_releases(
    program: Program, service: Service
) -> None:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(STUDENT, MENTOR, sessions=1)
    await program.complete(STUDENT, MENTOR, key="last")
    sender = RecordingSender()
    await deliver(service, sender)
    await program.later(hours=65)  # down from 0 h to 65 h: the warning was due at 60 h
    first = await program.sweep()
    again = await program.sweep()
    assert (first.final_warnings, again.final_warnings) == ((granted.seat_id,), ())
    await deliver(service, sender)
    await deliver(service, sender)
    warnings = [text for text in sender.texts_to(STUDENT) if text.startswith("Your seat will be released")]
    assert len(warnings) == 1
    await program.later(hours=10)  # down again across the grace end
    assert (await program.sweep()).released_seats == (granted.seat_id,)
    await deliver(service, sender)
    assert (await program.seat(granted.seat_id)).status == "released"
    assert any("has been released" in text for text in sender.texts_to(STUDENT))
    assert any("has been released" in text for text in sender.texts_to(MENTOR))
    assert len(await program.notifications(kind="final_warning")) == 1


async def test_downtime_past_the_grace_end_sends_no_final_warning_only_the_release(
    program: Program, service: Service
) -> None:
    await program.mentor(MENTOR, seats=1)
    granted = await program.grant(STUDENT, MENTOR, sessions=1)
    await program.complete(STUDENT, MENTOR, key="last")
    sender = RecordingSender()
    await deliver(service, sender)
    await program.later(hours=80)
    report = await program.sweep()
    assert (report.final_warnings, report.released_seats) == ((), (granted.seat_id,))
    await deliver(service, sender)
    assert await program.notifications(kind="final_warning") == []
    assert not any(text.startswith("Your seat will be released") for text in sender.texts_to(STUDENT))
    assert [item.kind for item in sender.sent[-2:]] == [
        NotificationKind.SEAT_RELEASED,
        NotificationKind.SEAT_RELEASED_MENTOR,
    ]


async def test_a_warning_queued_before_downtime_is_dropped_if_the_grace_ended_meanwhile(
    program: Program, service: Service
) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=1)
    await program.complete(STUDENT, MENTOR, key="last")
    sender = RecordingSender()
    await deliver(service, sender)
    await program.later(hours=61)
    await program.sweep()  # queued, then the process died before delivering it
    await program.later(hours=20)
    await program.sweep()  # the first sweep after downtime releases the seat
    report = await deliver(service, sender)
    assert report.dropped == 1
    assert not any(text.startswith("Your seat will be released") for text in sender.texts_to(STUDENT))
    assert any("has been released" in text for text in sender.texts_to(STUDENT))


# ---- when the sweep is next needed (the wake-up) --------------------------------------------------


async def test_next_due_names_the_next_warning_grace_end_reminder_and_expiry(
    program: Program, service: Service
) -> None:
    assert await service.read(next_due) is None
    await program.mentor(MENTOR, seats=2)
    await program.grant(STUDENT, MENTOR, sessions=4, valid_days=30)
    ends = START + timedelta(days=30)
    assert await service.read(next_due) == ends - timedelta(days=3)  # the expiry warning
    session_at = START + timedelta(days=2)
    await program.schedule(STUDENT, MENTOR, at=session_at)
    assert await service.read(next_due) == session_at - timedelta(hours=24)  # the reminder
    await program.mentor(11, seats=1)
    await program.grant(21, 11, sessions=1)
    await program.complete(21, 11, key="x")
    grace_end = START + timedelta(hours=72)
    assert await service.read(next_due) == session_at - timedelta(hours=24)
    await program.later(hours=24)
    await program.sweep()  # the reminder is queued
    assert await service.read(next_due) == grace_end - timedelta(hours=12)  # the final warning
    await program.later(hours=36)
    await program.sweep()
    assert await service.read(next_due) == grace_end  # the release
    await program.later(hours=12)
    await program.sweep()
    assert await service.read(next_due) == ends - timedelta(days=3)
