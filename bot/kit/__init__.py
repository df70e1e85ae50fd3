"""The Discord helpers every feature shares, and the one class features type against.

- ``host``: ``Host``, the bot as a feature sees it (service, runtime, clock, settings, sender) and
  the one path of every command (``run_command``, ``run_view``).
- ``interaction``: who is asking, in which server, and whether the people an option names are people.
- ``errors``: the one app-command error handler, and the answer to a refusal.
- ``pages``: list replies cut into pages that fit Discord, with ◀ ▶ buttons (R20).
- ``delivery``: ``DiscordSender``, the outbox's DMs through Discord, with the DM buttons features
  register for their notification kinds.
- ``text``: render helpers (bars, names, plain-text times, ``Reply``) and autocomplete choices.
- ``chart``: the ``/report`` chart.

The kit imports only core, discord.py and aiohttp: never a feature (``bot.features``) nor the
composition root (``bot.app``). import-linter holds that (``make lint``).
"""
