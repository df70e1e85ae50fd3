"""mentorbot's core: every rule of the program, its storage and its outbox.

Nothing here knows about Discord. The bot layer parses a command, calls one use case from
``core.usecases`` (or a read model from ``core.views``) through a ``core.db.Database``, and renders the
result. Time comes from ``core.clock``.
"""
