"""Nothing is lost or doubled when a delivering process is killed with SIGKILL (`kill -9`).

100 times per crash point, a fresh OS process claims a due notification and is killed exactly there:
- ``before_send``: after the claim's transaction committed, before the DM is sent;
- ``after_send``: after the DM was sent (recorded durably), before it is marked sent.
The next process (``LEASE`` + 2 s later on the shared ``ManualClock``: the lease has run out) first
delivers whatever the killed one left, then claims its own notification and is killed in turn; a last
one finishes. The recording sender dedupes by nonce as Discord does and records across processes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core import outbox
from core.domain import NotificationKind
from core.outbox import LEASE
from core.schema import notifications
from core.service import Service
from tests.conftest import GUILD, START, Store
from tests.processes import recorder
from tests.processes.zygote import ForkServer

KILLS = 100
STEP = LEASE + timedelta(seconds=2)  # from one process to the next: past the killed one's lease


def moment(index: int) -> str:
    return (START + index * STEP).isoformat()


async def queue_staggered(service: Service, count: int) -> list[int]:
    """``count`` DMs, the i-th due one second after the i-th process starts."""
    owed = [
        outbox.Owed(
            guild_id=GUILD,
            kind=NotificationKind.SESSION_BOOKED,
            key=f"crash-test:{index}",
            recipient_id=100 + index,
            body=f"notification {index}",
            due_at=START + index * STEP + timedelta(seconds=1),
        )
        for index in range(1, count + 1)
    ]
    return list(await service.write(outbox.queue, owed))


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", ["before_send", "after_send"])
async def test_kill_9_while_delivering_loses_and_doubles_nothing(
    service: Service, store: Store, backend: str, tmp_path: Path, crash_at: str
) -> None:
    ids = await queue_staggered(service, KILLS)
    recording = tmp_path / "discord.db"
    recorder.create(recording)
    command: dict[str, Any] = {"url": store.url, "schema": store.schema, "recording": str(recording)}
    server = await ForkServer.start()
    recovered: list[int] = []
    try:
        for index, notification_id in enumerate(ids, start=1):
            run = await server.run(
                command
                | {
                    "phases": [
                        {"now": moment(index)},  # what the previous process left
                        {
                            "now": (START + index * STEP + timedelta(seconds=1)).isoformat(),
                            "crash_id": notification_id,
                            "crash_at": crash_at,
                        },
                    ]
                }
            )
            assert run.error is None, run.error
            assert (run.halted_at, run.killed, run.signal) == (crash_at, True, 9), run
            (recovery,) = run.reports  # the second phase never reported: it was killed
            recovered.append(recovery["sent"])
        last = await server.run(command | {"phases": [{"now": moment(KILLS + 1)}]})
        assert last.error is None, last.error
        assert (last.killed, last.code) == (False, 0)
        recovered.append(last.reports[0]["sent"])
    finally:
        await server.stop()

    tally, delivered = recorder.tally(recording)
    statuses = dict(
        await service.db.read(
            lambda c: list(
                c.execute(select(notifications.c.status, func.count()).group_by(notifications.c.status))
            )
        )
    )
    lost = len(set(ids) - delivered)
    print(
        f"\ncrash {crash_at} on {backend}: {KILLS} processes killed with SIGKILL; "
        f"{len(ids)} notifications: {tally.notifications} delivered, {lost} lost, "
        f"{tally.doubled} duplicates; {tally.sends} sends reached the recorder, "
        f"{tally.deduped} deduped by nonce; database: {statuses}"
    )
    assert lost == 0
    assert tally.doubled == 0
    assert tally.notifications == tally.messages == KILLS
    assert statuses == {"sent": KILLS}
    # Each fresh process delivered exactly what the killed one left: one notification.
    assert recovered == [0] + [1] * KILLS
    # Killed after the send, the resend carried the same nonce and was deduped; killed before it,
    # nothing reached Discord until the next process sent it.
    assert tally.deduped == (KILLS if crash_at == "after_send" else 0)
