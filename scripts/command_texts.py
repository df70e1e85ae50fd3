"""Add the commands' descriptions and choice names to the catalogs' template (``make translations``).

pybabel extracts what the code marks; the command texts live in decorators and docstrings, so they are
read here from the command tree as the bot builds it (every feature loaded, offline), and added to
``core/locales/mentorbot.pot`` in the "command" context, where ``bot.kit.translator`` looks them up.

    python scripts/command_texts.py core/locales/mentorbot.pot
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot import create_bot
from bot.app import FEATURES
from bot.kit.translator import CONTEXT, command_texts, localizable
from core.clock import SystemClock
from core.config import Settings


async def texts() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/texts.db")
        bot = create_bot(settings, clock=SystemClock(), run_scheduler=False)
        for name in FEATURES:
            await bot.load_extension(f"bot.features.{name}")
        localizable(bot.tree)
        found = command_texts(bot.tree)
        await bot.close()
        return found


def main(template: Path) -> None:
    with template.open("rb") as source:
        catalog = read_po(source)
    for text in asyncio.run(texts()):
        catalog.add(text, context=CONTEXT, locations=[("bot/features", None)])
    with template.open("wb") as target:
        write_po(target, catalog, width=0, include_lineno=False)
    print(f"added the command texts to {template}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
