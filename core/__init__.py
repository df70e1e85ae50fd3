"""mentorbot's core: every rule of the program, its storage and its outbox.

Nothing here knows about Discord. A flat base of shared machinery (``db``, ``tx``, ``service``,
``schema``, ``outbox``, ``changes``, ``history``, ``rules``, ``sweep``, ``delivery``, ``runtime``,
``texts``, ``when``, ``config``, ``registry``, ``bounds``, ``domain`` for the program's words), and
one package per feature: ``sessions``, ``packs``, ``seats``, ``waitlist``, ``purchases``,
``settings``, ``insight``, ``hours``, ``calendar``. The bot
layer parses a command, calls one use case of a feature through ``core.service.Service``, and renders
the result. Time comes from ``core.clock``.
"""
