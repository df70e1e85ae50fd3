"""`make screenshots`: what the admin, a mentor and a student see, as PNGs under docs/screenshots/.

The real bot plays a realistic server on SimCord (no token, no network, SQLite in a temporary
directory): an admin registers mentors and records packs, a mentor books and completes sessions, one
student's pack runs down to grace, a busy mentor's roster runs to several pages, a mentor publishes
his hours and a student opens /book's menu of open slots. Each shot opens
SimCord's preview of a channel (or a DM) as one person sees it, Discord's layout with their private
replies, and Debian's chromium takes the screenshot of the conversation alone, as Discord draws it
(without the preview's own toolbar and sidebar).

Add a scene: write ``async def scene_name(world: World) -> None`` that acts through ``world``'s people
(``await world.run(member, channel, "command", option=value)``), moves time with ``world.later``,
and ends each view with ``await world.shoot("file-name", viewer, channel, focus=result)``; then add
it to ``SCENES``. ``python scripts/screenshots.py NAME …`` plays only the named scenes.

Needs ``pip install 'simcord[preview]'`` and ``apt-get install chromium fonts-noto-color-emoji``; the
script installs what is missing when it can (pip always; apt-get when run as root) and otherwise says
what to run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WINDOW = (1000, 1100)  # chromium's window, in CSS pixels
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PREVIEW_MODULES = ("aiohttp", "markdown_it", "linkify_it", "regex", "PIL")
APT_PACKAGES = ("chromium", "fonts-noto-color-emoji")


# ---- what the script needs --------------------------------------------------------------------------


def ensure_preview() -> None:
    """SimCord's preview extra, installed with this interpreter's pip when missing."""
    missing = [name for name in PREVIEW_MODULES if importlib.util.find_spec(name) is None]
    if not missing:
        return
    print(f"installing simcord[preview] (missing: {', '.join(missing)})", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "simcord[preview]"], check=True)


def find_chromium() -> str:
    """Debian's chromium, installed with apt-get when missing and we may; otherwise what to run."""
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(APT_PACKAGES)} with apt-get", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES], check=True, env=env
        )
        if found := shutil.which("chromium"):
            return found
    sys.exit(
        "screenshots need chromium: run `sudo apt-get install chromium fonts-noto-color-emoji` "
        "(or put a chromium on PATH), then `make screenshots` again."
    )


# ---- the world the scenes play in -------------------------------------------------------------------


@dataclass
class World:
    """One simulated server and its people, the bot's clock, and where the shots go."""

    env: Any
    bot: Any
    clock: Any
    chromium: str
    out: Path
    guild: Any = None
    staff: Any = None  # the admins' channel
    mentoring: Any = None  # the mentors' channel
    people: dict[str, Any] = field(default_factory=dict)  # members by name
    users: dict[str, Any] = field(default_factory=dict)  # the same people as users (for their DMs)
    shots: list[Path] = field(default_factory=list)

    def join(self, name: str, *roles: Any) -> Any:
        """A new person on the server."""
        self.users[name] = self.env.create_user(name)
        self.people[name] = self.guild.add_member(self.users[name], roles=list(roles))
        return self.people[name]

    async def later(self, **delta: float) -> None:
        """Move time for both clocks: the bot's (deadlines) and SimCord's (message times)."""
        step = timedelta(**delta)
        self.clock.advance(step)
        await self.env.advance_time(step.total_seconds())

    async def run(self, member: Any, channel: Any, command: str, **options: Any) -> Any:
        """A slash command as ``member`` would run it, checked to have worked."""
        before = self.env.error_cursor
        result = await member.slash(channel, command, **options) if channel else await member.slash(command)
        errors = self.env.errors_since(before)
        if errors:
            raise RuntimeError(f"/{command} failed: {errors}")
        return result

    async def sweep(self) -> None:
        await self.bot.run_sweep()

    async def shoot(
        self, name: str, viewer: Any, channel: Any, focus: Any = None, height: int = WINDOW[1]
    ) -> Path:
        """A screenshot of ``channel`` as ``viewer`` sees it (their private replies included), ending
        at ``focus`` (a command's result) when given; ``height`` in CSS pixels for a long reply."""
        path = self.out / f"{name}.png"
        # Discord's channel layout at exactly the picture's size ("fixed"), not fitted to the room the
        # preview's own toolbar and sidebar leave (those are hidden when the picture is taken).
        preview = self.env.preview(
            channel,
            viewers=[viewer],
            layout="channel",
            display="fixed",
            width=WINDOW[0],
            height=height,
            presentation_time=self.clock.now(),
        )
        async with preview:
            if focus is not None:
                await preview.show(focus)
            await preview.refresh()
            await capture(self.chromium, preview.url, path, (WINDOW[0], height))
        self.shots.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
        return path


async def capture(chromium: str, url: str, path: Path, window: tuple[int, int] = WINDOW) -> None:
    """Chromium, headless, draws the preview page as Discord draws the conversation, and saves it.

    The preview page is SimCord's workbench: a toolbar, a sidebar of messages and an inspector around
    the conversation. SimCord's own managed capture hides them by marking the page
    (``body[data-managed-capture]``, its stylesheet does the rest) and clips the picture to the
    conversation (``#preview-app``); this does the same through chromium's DevTools protocol (over
    aiohttp's websocket client), with Debian's chromium instead of Playwright's."""
    with tempfile.TemporaryDirectory(prefix="mentorbot-chromium-", ignore_cleanup_errors=True) as profile:
        process = await asyncio.create_subprocess_exec(
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--window-size={window[0]},{window[1]}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            port = await devtools_port(Path(profile), process)
            png = await asyncio.wait_for(draw(port, url, window), timeout=90)
        finally:
            if process.returncode is None:
                process.terminate()
            await process.wait()
    await asyncio.to_thread(path.write_bytes, png)


async def devtools_port(profile: Path, process: asyncio.subprocess.Process) -> int:
    """The port chromium's DevTools listen on: chromium writes it into the profile when it is up."""
    written = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not written.exists() or not written.read_text().strip():
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"chromium did not start (exit status {process.returncode})")
        await asyncio.sleep(0.05)
    return int(written.read_text().split()[0])


# The conversation as Discord draws it. SimCord's own capture mode (``body[data-managed-capture]``) is
# switched off again by the page each time it draws a snapshot that is not one of its pinned captures,
# and the page's policy refuses a stylesheet of ours; so its rules are set on the elements themselves
# (CSSOM), then the workbench is checked to be hidden (and to exist: an empty match would pass).
CAPTURE_MODE = """new Promise(resolve => {
  const set = (selector, property, value) => document.querySelectorAll(selector)
    .forEach(element => element.style.setProperty(property, value, "important"));
  set(".preview-toolbar, .messages-sidebar, .inspector-panel, .drawer-scrim, .preview-helper", "display", "none");
  set(".preview-workspace", "display", "flex");
  set(".preview-stage", "overflow", "hidden");
  set("html, body, .preview-app", "min-width", "0");
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const workbench = [...document.querySelectorAll(".preview-toolbar, .messages-sidebar")];
    const hidden = workbench.length > 0
      && workbench.every(element => getComputedStyle(element).display === "none");
    const box = document.getElementById("preview-app").getBoundingClientRect();
    resolve(JSON.stringify({hidden, x: box.x, y: box.y, width: box.width, height: box.height}));
  }));
})"""


async def draw(port: int, url: str, window: tuple[int, int]) -> bytes:
    import base64
    import json

    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as listed:
            page = next(target for target in await listed.json() if target["type"] == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket:
            devtools = DevTools(socket)
            await devtools.call(
                "Emulation.setDeviceMetricsOverride",
                width=window[0],
                height=window[1],
                deviceScaleFactor=1,
                mobile=False,
            )
            await devtools.call("Page.navigate", url=url)
            for _ in range(600):  # the page fetches what to draw, then says it is ready
                if await devtools.evaluate("window.simcordPreview?.ready === true"):
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the preview page never said it was ready")
            frame = json.loads(await devtools.evaluate(CAPTURE_MODE))
            if not frame.pop("hidden"):
                raise RuntimeError("the preview's toolbar and sidebar are still shown: SimCord changed?")
            shot = await devtools.call("Page.captureScreenshot", format="png", clip={**frame, "scale": 1})
            return base64.b64decode(shot["data"])


class DevTools:
    """One page's DevTools connection: a command sent, its answer read (events in between skipped)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.last = 0

    async def call(self, method: str, **params: Any) -> Any:
        self.last += 1
        await self.socket.send_json({"id": self.last, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json()
            if message.get("id") == self.last:
                if "error" in message:
                    raise RuntimeError(f"chromium: {method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression: str) -> Any:
        found = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return found["result"].get("value")


# ---- the scenes -------------------------------------------------------------------------------------


async def setting_up(world: World) -> None:
    """The admin registers two mentors and records the packs students bought."""
    p = world.people
    await world.run(p["ada"], world.staff, "mentor add", mentor=p["mia"], seats=3)
    await world.run(p["ada"], world.staff, "mentor add", mentor=p["max"], seats=2)
    await world.run(p["ada"], world.staff, "pack grant", student=p["alice"], mentor=p["mia"])
    await world.run(p["ada"], world.staff, "pack grant", student=p["bob"], mentor=p["mia"], sessions=2)
    await world.run(p["ada"], world.staff, "pack grant", student=p["cleo"], mentor=p["max"], sessions=8)


async def mentoring(world: World) -> None:
    """Mia books and completes sessions; Alice has one left, Bob's short pack runs out: grace."""
    p = world.people
    await world.later(minutes=20)
    await world.run(
        p["mia"], world.mentoring, "schedule", student=p["alice"], when=at(world, days=2, hour=18)
    )
    await world.run(p["mia"], world.mentoring, "schedule", student=p["bob"], when=at(world, days=3, hour=17))
    await world.later(days=2, hours=9)  # Wednesday evening, just after Alice's session
    await world.run(p["mia"], world.mentoring, "complete", student=p["alice"])
    await world.later(days=1)
    await world.run(p["mia"], world.mentoring, "complete", student=p["bob"])
    await world.later(days=7)
    await world.run(p["mia"], world.mentoring, "complete", student=p["alice"])
    await world.run(p["mia"], world.mentoring, "complete", student=p["bob"])  # his last: 72 hours of grace
    await world.later(days=1)
    await world.run(p["mia"], world.mentoring, "complete", student=p["alice"])  # one left: she is told
    await world.run(
        p["mia"], world.mentoring, "schedule", student=p["alice"], when=at(world, days=7, hour=18)
    )
    roster = await world.run(p["mia"], world.mentoring, "roster")
    await world.shoot("mentor-roster", p["mia"], world.mentoring, focus=roster)


async def grace(world: World) -> None:
    """12 hours before Bob's grace ends the sweep sends his final warning; the admin sees it in /seats."""
    p = world.people
    await world.later(days=1, hours=12)  # Sunday morning: his grace ends this evening
    await world.sweep()
    seats = await world.run(p["ada"], world.staff, "seats")
    await world.shoot("admin-seats", p["ada"], world.staff, focus=seats)
    bob = world.users["bob"]
    await world.shoot("student-grace-dm", bob, bob.dm_channel)


async def student(world: World) -> None:
    """Alice, in her DM with the bot: what she was told, and /mysessions there."""
    alice = world.users["alice"]
    mine = await world.run(alice, None, "mysessions")
    await world.shoot("student-dm", alice, alice.dm_channel, focus=mine)


async def busy_mentor(world: World) -> None:
    """A mentor with 40 students: /roster in pages, ◀ ▶ to turn them."""
    p = world.people
    lena = world.join("lena")
    await world.run(p["ada"], world.staff, "mentor add", mentor=lena, seats=40)
    for number in range(40):
        learner = world.join(f"learner{number + 1:02d}")
        await world.run(p["ada"], world.staff, "pack grant", student=learner, mentor=lena)
    roster = await world.run(lena, world.mentoring, "roster")
    await lena.click(roster.response, label="▶")
    await world.shoot("mentor-roster-pages", lena, world.mentoring, focus=roster, height=1560)


async def released(world: World) -> None:
    """Bob did not renew: his grace ends, the sweep releases his seat, and /mysessions in his DM says
    why and how to come back."""
    p = world.people
    await world.later(hours=13)  # Sunday evening: his grace has ended
    await world.sweep()
    bob = world.users["bob"]
    mine = await world.run(bob, None, "mysessions")
    await world.shoot("student-released", bob, bob.dm_channel, focus=mine)
    # The admin can look at any mentor's roster: mia's, now without bob.
    theirs = await world.run(p["ada"], world.staff, "roster", mentor=p["mia"])
    await world.shoot("admin-roster-of-a-mentor", p["ada"], world.staff, focus=theirs)


async def student_file(world: World) -> None:
    """Mia looks up alice: her seat, packs, sessions, and the last changes with who made them."""
    p = world.people
    await world.later(days=6, hours=9)  # a week on: alice's booked session is over
    await world.run(p["mia"], world.mentoring, "complete", student=p["alice"])
    shown = await world.run(p["mia"], world.mentoring, "student", student=p["alice"])
    await world.shoot("mentor-student", p["mia"], world.mentoring, focus=shown, height=1400)


async def report(world: World) -> None:
    """Max works through cleo's pack over two weeks; the admin exports the records and asks for the
    report of the last 30 days, with its chart."""
    p = world.people
    for days in (1, 3, 4, 3):
        await world.later(days=days)
        await world.run(p["max"], world.mentoring, "complete", student=p["cleo"])
    exported = await world.run(p["ada"], world.staff, "export")
    await world.shoot("admin-export", p["ada"], world.staff, focus=exported)
    figures = await world.run(p["ada"], world.staff, "report")
    await world.shoot("admin-report", p["ada"], world.staff, focus=figures, height=1300)


async def booking(world: World) -> None:
    """Max publishes his weekly hours and looks at them; cleo picks a slot from /book's menu."""
    p = world.people
    for day, start, end in (("tue", "09:00", "11:00"), ("thu", "17:00", "19:30"), ("sat", "10:00", "12:00")):
        await world.run(p["max"], world.mentoring, "hours add", day=day, start=start, end=end)
    await world.run(p["max"], world.mentoring, "hours rules", buffer=15)
    await world.run(p["max"], world.mentoring, "hours off", **{"from": at(world, days=9, hour=0)[:10]})
    shown = await world.run(p["max"], world.mentoring, "hours show")
    await world.shoot("mentor-hours", p["max"], world.mentoring, focus=shown, height=1300)
    menu = await world.run(p["cleo"], world.mentoring, "book")
    await world.shoot("student-book-menu", p["cleo"], world.mentoring, focus=menu)


def at(world: World, *, days: int, hour: int) -> str:
    """A time ``days`` from now at ``hour``:00 UTC, as a mentor would type it."""
    day = world.clock.now() + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


Scene = Callable[[World], Awaitable[None]]
SCENES: dict[str, Scene] = {
    "setting_up": setting_up,
    "mentoring": mentoring,
    "grace": grace,
    "student": student,
    "busy_mentor": busy_mentor,
    "released": released,
    "student_file": student_file,
    "report": report,
    "booking": booking,
}


# ---- playing it --------------------------------------------------------------------------------------


async def play(names: list[str], out: Path, chromium: str) -> list[Path]:
    import discord
    import simcord

    from bot import create_bot
    from bot.demo import DemoSettings
    from core.clock import ManualClock

    with tempfile.TemporaryDirectory(prefix="mentorbot-screenshots-") as folder:
        settings = DemoSettings(
            discord_token="screenshots",  # SimCord never sends it anywhere
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'screenshots.db'}",
            renew_url="https://example.com/renew",
        )
        clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))  # set to SimCord's clock once it runs
        # Sweeps run when a scene says so, at the moments the bot's wake-up would; no wall-clock ticks.
        bot = create_bot(settings, clock=clock, run_scheduler=False)
        async with simcord.run(bot) as env:
            await bot.tree.sync()
            world = World(env=env, bot=bot, clock=clock, chromium=chromium, out=out)
            clock.set(env.now())
            await world.later(days=4, hours=9)  # Monday morning
            world.guild = env.create_guild(name="Mentorship")
            world.staff = world.guild.create_text_channel("staff")
            world.mentoring = world.guild.create_text_channel("mentoring")
            admins = world.guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            world.join("ada", admins)
            for name in ("mia", "max", "alice", "bob", "cleo"):
                world.join(name)
            for name in names:
                print(f"scene {name}", flush=True)
                await SCENES[name](world)
            return world.shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenes", nargs="*", help=f"scenes to play (default: all of {', '.join(SCENES)})")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (default: docs/screenshots)")
    options = parser.parse_args()
    unknown = [name for name in options.scenes if name not in SCENES]
    if unknown:
        parser.error(f"no scene {', '.join(unknown)}; the scenes are {', '.join(SCENES)}")
    # Later scenes build on earlier ones (the same server), so a chosen scene brings those before it.
    wanted = (
        list(SCENES)[: max(list(SCENES).index(name) for name in options.scenes) + 1]
        if options.scenes
        else list(SCENES)
    )
    ensure_preview()
    chromium = find_chromium()
    options.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shots = asyncio.run(play(wanted, options.out, chromium))
    print(f"{len(shots)} screenshots in {time.perf_counter() - started:.0f} s under {options.out}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
