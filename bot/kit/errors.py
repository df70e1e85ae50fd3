"""The one app-command error handler, and the answer to a refusal.

A ``Refusal`` is answered on the command's own path (``answer_refusal``, from ``Host.run_command``
and ``run_view``): it is an answer, not an error. What discord.py itself refuses before a command runs
(a DM, an option it cannot read) becomes one sentence too. Anything unexpected is logged with the command, the user, the server and an error id; the user reads that
nothing was changed (every command does its work in one transaction, which an error rolls back), or,
when the error came after that transaction committed (``mark_saved``), that the change was saved; and
the bot keeps running.
"""

from __future__ import annotations

import logging
import uuid

import discord
from discord import app_commands
from discord.ext import commands

from core.errors import Refusal

# Named as before the kit existed: operators filter the log on it.
log = logging.getLogger("bot.errors")


# Set on an interaction once its command's transaction has committed (``mark_saved``).
SAVED = "mentorbot.saved"


def mark_saved(interaction: discord.Interaction) -> None:
    """Note that the command's change is committed: an error after this must not say nothing changed."""
    interaction.extras[SAVED] = True


def unexpected_error_text(error_id: str, *, saved: bool = False) -> str:
    if saved:
        return (
            f"Your change was saved, but something went wrong showing the result (error {error_id}); "
            "check /roster, /seats or /mysessions before you run the command again."
        )
    return f"Something went wrong (error {error_id}); nothing was changed. Please try again in a moment."


async def reply(interaction: discord.Interaction, text: str) -> None:
    """Answer privately, whether or not the interaction was already deferred."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text, embed=None, view=None)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def answer_refusal(interaction: discord.Interaction, refusal: Refusal) -> None:
    """A refusal is an answer: its sentence, privately. Nothing was changed (the use case refused
    before writing, or its transaction was rolled back)."""
    log.info(
        "/%s by user %s in server %s refused: %s",
        interaction.command.qualified_name if interaction.command else "?",
        interaction.user.id,
        interaction.guild_id,
        refusal.message,
    )
    count_refusal(interaction)
    await reply(interaction, refusal.message)


def count_refusal(interaction: discord.Interaction) -> None:
    """Count a refusal of the interaction's command in the bot's metrics (R24), when it has some."""
    metrics = getattr(interaction.client, "metrics", None)
    if metrics is not None and interaction.command is not None:
        metrics.refusal(interaction.command.qualified_name)


def _refusal_text(error: app_commands.AppCommandError) -> str | None:
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, Refusal):
        return original.message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server only; run it there."
    if isinstance(error, app_commands.TransformerError):
        return f"I can't use “{error.value}” for that option; pick a member from the list."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


def install_error_handler(bot: commands.Bot) -> None:
    @bot.tree.error
    async def on_app_command_error(
        interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        text = _refusal_text(error)
        if text is None:
            error_id = uuid.uuid4().hex[:8]
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "error %s in /%s by user %s in server %s with options %s",
                error_id,
                command,
                interaction.user.id,
                interaction.guild_id,
                interaction.namespace.__dict__ if interaction.namespace else {},
                exc_info=original,
            )
            text = unexpected_error_text(error_id, saved=bool(interaction.extras.get(SAVED)))
        else:
            count_refusal(interaction)
            log.info(
                "/%s by user %s in server %s refused: %s",
                interaction.command.qualified_name if interaction.command else "?",
                interaction.user.id,
                interaction.guild_id,
                text,
            )
        try:
            await reply(interaction, text)
        except discord.HTTPException:
            log.warning("could not tell user %s: %s", interaction.user.id, text)
