"""Peak memory of a bot process on the main database, after one ``/mysessions``.

``python -m bench.rss DATABASE`` is the measured process: it starts the real bot (``create_bot``,
migrations, cogs, scheduler) inside SimCord on that database, runs a sweep as the bot does at start,
then has one student run ``/mysessions``, and prints its own peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) as JSON. The parent runs it on a copy of the seed.
SimCord's simulated Discord lives in the same process, so the figure includes it.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
from pathlib import Path

from bench.common import GUILD, NOW, copy_database, remove_database, sqlite_url


async def _bot_process(path: Path) -> None:
    import simcord
    from sqlalchemy import text

    from bot import create_bot
    from core.clock import ManualClock
    from core.config import Settings

    bot = create_bot(
        Settings(discord_token="bench", database_url=sqlite_url(path), web_port=0), clock=ManualClock(NOW)
    )
    async with simcord.run(bot) as env:
        await bot.tree.sync()
        guild = env.create_guild(name="Bench", id=GUILD)
        channel = guild.create_text_channel("general")
        student = guild.add_member(env.create_user("student"))
        await bot.service.db.write(
            lambda connection: connection.execute(
                text("UPDATE seats SET student_id = :user WHERE id = 1"), {"user": student.id}
            )
        )
        await bot.run_sweep()
        await env.settle()
        result = await student.slash(channel, "mysessions")
        embeds = result.response.embeds if result.response is not None else []
        if not embeds:
            raise AssertionError(f"/mysessions showed nothing: {result!r}")


def measure(seed: Path, work_dir: Path) -> tuple[float, float | None]:
    """Peak RSS of the bot process in megabytes (getrusage), and the kernel's VmHWM to compare."""
    path = copy_database(seed, work_dir / "rss.db")
    try:
        # Through a shell that forks it: Linux carries a process's peak RSS across exec, so a child
        # exec'ed straight from this (large) process would report this process's peak as its own.
        done = subprocess.run(
            ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-m", "bench.rss", str(path)],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
    finally:
        remove_database(path)
    if done.returncode != 0:
        raise RuntimeError(f"the bot process failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return float(report["maxrss_mb"]), report.get("vm_hwm_mb")


def _vm_hwm_mb() -> float | None:
    """The kernel's own peak RSS of this process image (Linux), as a cross-check."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


if __name__ == "__main__":
    asyncio.run(_bot_process(Path(sys.argv[1])))
    # Linux reports ru_maxrss in kilobytes.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"maxrss_mb": maxrss, "vm_hwm_mb": _vm_hwm_mb()}))
