"""Members whose Discord client speaks another language (R25).

Discord sends the caller's client language as the interaction payload's ``locale`` ("es-419",
"pt-BR"). SimCord 3.2 sends every interaction as ``en-US`` and has no way to choose another, so
``speaking`` wraps its payload builder to set ``locale`` for the members named: the bot then reads
the language off a real interaction, as it does on Discord, rather than a test choosing it below the
Discord layer.
"""

from __future__ import annotations

from typing import Any

import pytest
import simcord.interactions


def speaking(monkeypatch: pytest.MonkeyPatch, *members: tuple[Any, str]) -> None:
    """From now on, each ``(member, locale)`` sends its interactions with that Discord ``locale``."""
    locales = {member.id: locale for member, locale in members}
    build = simcord.interactions.base_payload

    def with_locale(backend: Any, **fields: Any) -> tuple[Any, dict[str, Any]]:
        record, payload = build(backend, **fields)
        if fields["user_id"] in locales:
            payload["locale"] = locales[fields["user_id"]]
        return record, payload

    monkeypatch.setattr(simcord.interactions, "base_payload", with_locale)
