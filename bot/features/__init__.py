"""One package per feature: its slash commands (``cog``), its buttons and modals (``buttons``), its
reply texts and listings (``replies``), and ``setup(bot)`` in its ``__init__``, which adds them to
the bot. The composition root (``bot.app``) loads each by name (``load_extension``) and imports none.

A feature types against the kit's ``Host`` (``bot.kit.host``) and imports the kit and core, never
another feature: what two features share lives in core or in the kit. import-linter holds that
(``make lint``).
"""
