"""The test's side of ``tests.processes.crash_worker``: start the fork server, run a command in a fresh
child, SIGKILL the child when it halts at its crash point."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LINE_TIMEOUT = 60.0


@dataclass
class Run:
    """What one child did."""

    pid: int = 0
    reports: list[dict[str, int]] = field(default_factory=list)
    halted_at: str | None = None
    killed: bool = False
    signal: int | None = None
    code: int | None = None
    error: str | None = None


class ForkServer:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> ForkServer:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.processes.crash_worker",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def run(self, command: dict[str, Any]) -> Run:
        """Fork a child for ``command``; SIGKILL it if it halts; return once it has been reaped."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        run = Run()
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), LINE_TIMEOUT)
            if not line:
                raise RuntimeError(f"the fork server stopped (exit {await self.process.wait()})")
            event = json.loads(line)
            kind = event["event"]
            if kind == "forked":
                run.pid = event["pid"]
            elif kind == "phase":
                run.reports.append(event["report"])
            elif kind == "halted":
                run.halted_at = event["at"]
                os.kill(event["pid"], signal.SIGKILL)  # kill -9, at exactly that point
                run.killed = True
            elif kind == "error":
                run.error = event["error"]
            elif kind == "exited":
                run.signal, run.code = event["signal"], event["code"]
                return run

    async def stop(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
