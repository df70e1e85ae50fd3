"""A delivering process to kill: ``python -m tests.processes.crash_worker`` (test-only).

Starting Python and importing SQLAlchemy costs about a second, too much for hundreds of kills, so this
process is a fork server: it imports everything once, then reads one JSON command per line on stdin
and forks a child for each. The child is the delivering process. It runs ``core.delivery.deliver``
once per phase (each phase sets its ``ManualClock``) through a sender that records to the shared
recording file (``tests.processes.recorder``); at the point a phase names (``crash_at``: "before_send",
after the claim committed and before the send; or "after_send", after the send and before mark-sent)
it writes a marker line and blocks, and the test kills it with SIGKILL.

Lines written on stdout (JSON, one per line): {"event": "forked", "pid"}, from the child
{"event": "phase", "report"}, {"event": "halted", "notification_id", "at"} or {"event": "done"} or
{"event": "error", "error"}, then {"event": "exited", "pid", "signal", "code"} once it is reaped.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from dataclasses import asdict
from datetime import datetime
from typing import Any

from core.clock import ManualClock
from core.db import open_database
from core.delivery import deliver
from core.domain import Policy
from core.outbox import Claimed
from core.service import Service
from tests.processes import recorder

BLOCK_SECONDS = 60  # if the test never kills a halted child, it exits on its own


def emit(**event: Any) -> None:
    # One write per line: lines from the fork server and its child share the pipe and stay whole.
    os.write(1, (json.dumps(event) + "\n").encode())


class CrashingSender:
    def __init__(self, recording: str) -> None:
        self.connection = recorder.connect(recording)
        self.crash_id: int | None = None
        self.crash_at: str | None = None

    def halt_if(self, notification: Claimed, point: str) -> None:
        if notification.id == self.crash_id and self.crash_at == point:
            emit(event="halted", notification_id=notification.id, at=point, pid=os.getpid())
            time.sleep(BLOCK_SECONDS)  # frozen right here until SIGKILL
            os._exit(3)

    async def send_dm(self, notification: Claimed) -> None:
        self.halt_if(notification, "before_send")
        recorder.record(
            self.connection, nonce=notification.nonce, notification_id=notification.id, pid=os.getpid()
        )
        self.halt_if(notification, "after_send")

    async def post_fallback(self, notification: Claimed) -> bool:
        return False


async def work(command: dict[str, Any]) -> None:
    phases = command["phases"]
    clock = ManualClock(datetime.fromisoformat(phases[0]["now"]))
    service = Service(open_database(command["url"], schema=command.get("schema")), clock, Policy())
    sender = CrashingSender(command["recording"])
    try:
        for phase in phases:
            clock.set(datetime.fromisoformat(phase["now"]))
            sender.crash_id, sender.crash_at = phase.get("crash_id"), phase.get("crash_at")
            report = await deliver(service, sender)
            emit(event="phase", report=asdict(report), pid=os.getpid())
    finally:
        await service.db.dispose()


def child(command: dict[str, Any]) -> None:
    try:
        asyncio.run(work(command))
    except BaseException:
        emit(event="error", error=traceback.format_exc(), pid=os.getpid())
        os._exit(1)
    emit(event="done", pid=os.getpid())
    os._exit(0)


def serve() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(command)
        emit(event="forked", pid=pid)
        _, status = os.waitpid(pid, 0)
        emit(
            event="exited",
            pid=pid,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        )


if __name__ == "__main__":
    serve()
