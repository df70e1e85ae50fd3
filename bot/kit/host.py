"""``Host``: the bot as a feature sees it, and the one path every command takes.

A feature (``bot.features.<name>``) types against ``Host``, never against the composition root
(``bot.app.MentorBot``, which subclasses it), so imports run one way: the root loads the features by
name, the features import the kit and core. What a feature may use:

- ``settings``, ``clock``: the environment's settings and the injected clock (never ``datetime.now()``);
- ``service``: one transaction to read or write (``core.service``);
- ``runtime``: sweep, delivery and purchases (``core.runtime``);
- ``sender``: the Discord sender of the outbox's DMs, where a feature registers the buttons of the
  DMs it owns (``bot.kit.delivery``);
- ``web``: the web door (``bot.web``), where a feature adds its routes in ``setup`` (None in a bot
  that serves no web, e.g. a one-shot CLI command); ``metrics``: the bot's counters (R24);
- ``run_command`` for a change and ``run_view`` for a read: defer, one transaction, the reply, then
  the DMs it caused; a refusal is answered there.

The composition root sets the attributes before the bot starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import discord
from discord.ext import commands

from bot.kit.delivery import DiscordSender
from bot.kit.errors import answer_refusal, mark_saved
from bot.kit.interaction import check_people
from bot.kit.text import Reply
from bot.web import Metrics, WebDoor
from core.clock import Clock
from core.config import Settings
from core.errors import Refusal
from core.runtime import Runtime
from core.service import Service
from core.tx import Tx

P = ParamSpec("P")
R = TypeVar("R")


class Host(commands.Bot):
    """A discord.py bot with mentorbot's parts, as the features use it (see the module's docstring)."""

    settings: Settings
    clock: Clock
    service: Service
    runtime: Runtime
    sender: DiscordSender
    web: WebDoor | None
    metrics: Metrics

    async def run_command(
        self,
        interaction: discord.Interaction,
        use_case: Callable[Concatenate[Tx, P], R],
        render: Callable[[R], str | Reply],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R | None:
        """A write command: defer, run ``use_case`` in one transaction, show ``render(result)`` (a text,
        or a ``Reply`` with buttons), then deliver the DMs it caused. A refusal is the answer (private,
        nothing changed): None is returned.

        Anything unexpected propagates to the one error handler (``bot.kit.errors``), which tells the
        user whether the change was saved (the transaction committed) or nothing was changed.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            check_people(interaction)
            result, caused = await self.runtime.command(use_case, *args, **kwargs)
        except Refusal as refusal:
            await answer_refusal(interaction, refusal)
            return None
        mark_saved(interaction)
        shown = render(result)
        reply = shown if isinstance(shown, Reply) else Reply(shown)
        if reply.view is None:
            await interaction.edit_original_response(content=reply.content)
        else:
            await interaction.edit_original_response(content=reply.content, view=reply.view)
        if getattr(result, "notification_ids", ()):
            await self.runtime.deliver_caused(leased=caused)
        return result

    async def run_view(
        self,
        interaction: discord.Interaction,
        view: Callable[Concatenate[Tx, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R | None:
        """A read command: defer and read ``view`` in one transaction. A refusal (e.g. NotAllowed for a
        view only admins may see) is answered here and None returned; else the caller shows the result."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            return await self.service.read(view, *args, **kwargs)
        except Refusal as refusal:
            await answer_refusal(interaction, refusal)
            return None


def host_of(interaction: discord.Interaction) -> Host:
    """The bot an interaction reached (a button's or modal's callback gets only the interaction)."""
    client = interaction.client
    if not isinstance(client, Host):
        raise RuntimeError("a mentorbot button pressed on another client")
    return client
