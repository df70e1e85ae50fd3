"""The runtime without Discord: a sweep delivers what it made due and asks to be woken at the next due
moment; what a command caused is delivered at once; a failed delivery after a command is kept for
the delivery tick, never raised over the command's reply."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.clock import ManualClock
from core.outbox import Claimed
from core.runtime import Runtime
from core.service import Service
from core.sweep import pending_notifications
from tests.conftest import START, Program, RecordingSender

MENTOR, STUDENT = 10, 20
FINAL_WARNING = "Your seat will be released in 12 hours."


class Alarm:
    """The "wake me at" callback: records every moment asked for (None: nothing is due)."""

    def __init__(self) -> None:
        self.asked: list[datetime | None] = []

    def __call__(self, moment: datetime | None) -> None:
        self.asked.append(moment)


class BrokenSender(RecordingSender):
    async def send_dm(self, notification: Claimed) -> None:
        raise RuntimeError("the network stack fell over")


async def test_a_sweep_delivers_and_wakes_at_the_next_due_moment_until_nothing_is_due(
    program: Program, service: Service, sender: RecordingSender, clock: ManualClock
) -> None:
    alarm = Alarm()
    runtime = Runtime(service, sender, alarm)
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=1)
    completed = await program.complete(STUDENT, MENTOR, key="last")  # grace until 72 h

    report = await runtime.deliver_caused(completed.notification_ids)

    assert report.sent == len(completed.notification_ids) > 0
    assert [text.split("\n")[0] for text in sender.texts_to(STUDENT)] == [
        "Your pack is complete. Renew within 72 hours to keep your seat."
    ]
    assert alarm.asked == [START + timedelta(hours=60)]  # the final warning's moment

    clock.advance(timedelta(hours=60))
    await runtime.run_sweep()
    assert sender.texts_to(STUDENT)[-1].startswith(FINAL_WARNING)
    assert alarm.asked[-1] == START + timedelta(hours=72)  # the grace end

    clock.advance(timedelta(hours=12))
    swept = await runtime.run_sweep()
    assert swept.released_seats != ()
    assert "has been released" in sender.texts_to(STUDENT)[-1]
    assert alarm.asked[-1] is None
    assert await service.read(pending_notifications) == 0


async def test_without_an_alarm_the_runtime_still_sweeps_and_delivers(
    program: Program, service: Service, sender: RecordingSender, clock: ManualClock
) -> None:
    runtime = Runtime(service, sender)
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=1)
    await program.complete(STUDENT, MENTOR, key="last")
    clock.advance(timedelta(hours=60))

    await runtime.run_sweep()

    assert any(text.startswith(FINAL_WARNING) for text in sender.texts_to(STUDENT))


async def test_a_delivery_that_breaks_after_a_command_is_logged_and_left_for_the_tick(
    program: Program, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    await program.mentor(MENTOR, seats=1)
    await program.grant(STUDENT, MENTOR, sessions=2)
    completed = await program.complete(STUDENT, MENTOR, key="first")
    broken = Runtime(service, BrokenSender())

    report = await broken.deliver_caused(completed.notification_ids)

    assert (report.sent, report.failed) == (0, 0)
    assert "the delivery tick retries" in caplog.text
    assert await service.read(pending_notifications) == 1
    working = RecordingSender()
    program.clock.advance(timedelta(minutes=3))  # the broken round's lease has run out
    assert (await Runtime(service, working).deliver_pending()).sent == 1
    assert working.texts_to(STUDENT)[0].startswith("You have 1 session remaining.")
