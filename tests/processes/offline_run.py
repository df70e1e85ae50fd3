"""``mentorbot run`` on a machine where Discord cannot be reached: ``python -m
tests.processes.offline_run PORT`` (test-only).

Discord's API is moved to ``http://127.0.0.1:PORT`` (a port nothing listens on: every login is
refused at once), and the waits between attempts are made short; everything else is the real
command, settings from the environment.
"""

from __future__ import annotations

import sys

import discord.http

from bot import runner
from bot.cli import main

if __name__ == "__main__":
    discord.http.Route.BASE = f"http://127.0.0.1:{int(sys.argv[1])}/api/v10"
    runner.FIRST_WAIT_S, runner.LONGEST_WAIT_S = 0.2, 0.4
    main(["run"])
