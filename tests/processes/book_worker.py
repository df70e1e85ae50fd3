"""A process that books one slot (R21): ``python -m tests.processes.book_worker URL SCHEMA NOW STUDENT
MENTOR AT`` (test-only).

It connects, prints ``ready``, waits for a line on stdin (so several processes go at once), then runs
``core.sessions.book_slot`` for the student and prints one JSON line: the session booked, or why not.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from core.clock import ManualClock
from core.db import open_database
from core.domain import Actor, Policy
from core.hours import SlotNotOpen
from core.service import Service
from core.sessions import book_slot

GUILD = 1000


async def main(url: str, schema: str, now: str, student: str, mentor: str, at: str) -> None:
    service = Service(
        open_database(url, schema=None if schema == "None" else schema),
        ManualClock(datetime.fromisoformat(now)),
        Policy(),
    )
    try:
        await service.db.read(lambda connection: None)  # connected
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        try:
            result = await service.write(
                book_slot, guild_id=GUILD, actor=Actor(int(student)), when=at, mentor_user_id=int(mentor)
            )
            outcome = {"session": result.sessions[0].session_id}
        except SlotNotOpen as refused:
            outcome = {"refused": refused.reason.value, "message": refused.message}
    finally:
        await service.db.dispose()
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
