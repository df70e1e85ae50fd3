"""Every list reply, in pages that fit Discord (SPEC R20).

A renderer describes a list as a ``Listing``: a title, a summary and ``Block``s (a seat, a mentor with
their students). ``paginate`` turns it into embeds, each within every Discord limit; pages break
between blocks, a block too long for one field goes on in the next field, and lines are never cut
(markup such as ``<t:…:F>`` or ``**…**`` stays whole). ``show`` sends the first page; with more than
one, the reply carries ◀ ▶ buttons and "Page k of n". Only the caller may turn the pages; anyone else
is refused privately. The pages are kept in memory for ``KEPT_FOR``; a press after that, or after a
restart, builds the list again from what its button carries (the command and its one option, e.g. the
mentor of ``/roster``) with the builder the feature registered (``rebuilds``), and shows the page asked
for as the list is now. A list command answers through ``answer``, which uses the same builder.
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.kit.errors import answer_refusal
from core.clock import Clock
from core.errors import Refusal

if TYPE_CHECKING:
    from bot.kit.host import Host

# Discord's limits for one message (NOTES "Discord message limits"; SimCord enforces the same).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

# Room kept on every page for its footer, "Page 999 of 999".
FOOTER_ROOM = 32
EMPTY_VALUE = "—"  # Discord refuses an empty field value
CONTINUED = " (continued)"
ELLIPSIS = "…"

# How long a sent list can be paged, and how many lists one process remembers.
KEPT_FOR = timedelta(minutes=15)
KEPT_LISTS = 500


@dataclass(frozen=True, slots=True)
class Block:
    """One thing in a list: a heading (the field's name) and its lines. Pages break between blocks."""

    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """A list reply before it is cut into pages: shown on every page are the title and the summary."""

    title: str
    summary: str = ""
    blocks: tuple[Block, ...] = ()
    colour: discord.Colour = field(default_factory=discord.Colour.blurple)
    empty: str = ""  # what the summary says too when there is no block


# ---- cutting into pages -----------------------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters. Too long, it ends at a space with "…", so what is left out
    is visible and no markup token (a mention, a timestamp) is split; our texts never need it."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", 0, room + 1)
    return text[: cut if cut > 0 else room].rstrip() + ELLIPSIS


def _fields(block: Block) -> list[tuple[str, str]]:
    """The block as embed fields: lines packed in order, each field's value within its limit."""
    # Discord trims names and values and refuses an empty one.
    heading = block.title if block.title.strip() else EMPTY_VALUE
    title = clip(heading, FIELD_NAME_LIMIT)
    chunks: list[list[str]] = [[]]
    size = 0
    for raw in block.lines:
        line = clip(raw, FIELD_VALUE_LIMIT)
        needed = len(line) + (1 if chunks[-1] else 0)
        if chunks[-1] and size + needed > FIELD_VALUE_LIMIT:
            chunks.append([])
            size, needed = 0, len(line)
        chunks[-1].append(line)
        size += needed
    continued = clip(heading, FIELD_NAME_LIMIT - len(CONTINUED)) + CONTINUED
    values = ["\n".join(lines) for lines in chunks]
    return [
        (title if index == 0 else continued, value if value.strip() else EMPTY_VALUE)
        for index, value in enumerate(values)
    ]


def paginate(listing: Listing) -> list[discord.Embed]:
    """The listing as pages, each one embed within every Discord limit, "Page k of n" when several."""
    title = clip(listing.title, TITLE_LIMIT)
    summary = listing.summary if listing.blocks else "\n".join(filter(None, (listing.summary, listing.empty)))
    summary = clip(summary, DESCRIPTION_LIMIT - 1)
    room = EMBED_TOTAL_LIMIT - len(title) - len(summary) - FOOTER_ROOM

    pages: list[list[tuple[str, str]]] = [[]]
    used = 0

    def fits(fields: Sequence[tuple[str, str]], page: list[tuple[str, str]], size: int) -> bool:
        extra = sum(len(name) + len(value) for name, value in fields)
        return len(page) + len(fields) <= FIELDS_LIMIT and size + extra <= room

    for block in listing.blocks:
        fields = _fields(block)
        # Keep a block on one page when it fits on one; start a new page rather than split it.
        if pages[-1] and not fits(fields, pages[-1], used) and fits(fields, [], 0):
            pages.append([])
            used = 0
        for item in fields:
            if pages[-1] and not fits([item], pages[-1], used):
                pages.append([])
                used = 0
            pages[-1].append(item)
            used += len(item[0]) + len(item[1])

    embeds = []
    for number, fields in enumerate(pages, start=1):
        embed = discord.Embed(title=title, description=summary or None, colour=listing.colour)
        for name, value in fields:
            embed.add_field(name=name, value=value, inline=False)
        if len(pages) > 1:
            embed.set_footer(text=f"Page {number} of {len(pages)}")
        embeds.append(embed)
    return embeds


# ---- keeping the pages for the buttons --------------------------------------------------------------

# How a list command builds its listing, from the interaction (a command's, or a page button's) and its
# one option as an id (None when not given); a refusal propagates.
Build = Callable[[discord.Interaction[Any], int | None], Awaitable[Listing]]


@dataclass(frozen=True, slots=True)
class Kept:
    pages: tuple[discord.Embed, ...]
    until: datetime


class PageStore:
    """The pages of the lists sent lately, by list id (the command's interaction id), for ``KEPT_FOR``.

    Memory only, on purpose: after a restart (or ``KEPT_FOR``) a press builds the list again."""

    def __init__(self, clock: Clock, kept_for: timedelta = KEPT_FOR, most: int = KEPT_LISTS) -> None:
        self.clock = clock
        self.kept_for = kept_for
        self.most = most
        self._lists: OrderedDict[int, Kept] = OrderedDict()

    def put(self, list_id: int, pages: Sequence[discord.Embed]) -> None:
        self._lists[list_id] = Kept(tuple(pages), self.clock.now() + self.kept_for)
        while len(self._lists) > self.most:
            self._lists.popitem(last=False)

    def get(self, list_id: int) -> tuple[discord.Embed, ...] | None:
        kept = self._lists.get(list_id)
        if kept is None or self.clock.now() >= kept.until:
            self._lists.pop(list_id, None)
            return None
        return kept.pages


_stores: weakref.WeakKeyDictionary[discord.Client, PageStore] = weakref.WeakKeyDictionary()
# Each bot's list builders, by command name (registered by the features as they load).
_builders: weakref.WeakKeyDictionary[discord.Client, dict[str, Build]] = weakref.WeakKeyDictionary()


def install(bot: Host) -> None:
    """Listen for page buttons (also those of lists sent before a restart) and keep pages in memory."""
    _stores[bot] = PageStore(bot.clock)
    bot.add_dynamic_items(PageButton)


def rebuilds(bot: discord.Client, command: str, build: Build) -> None:
    """Page buttons of ``command`` (its qualified name) whose pages are gone build the list again with
    ``build``. A feature calls this in its ``setup``."""
    _builders.setdefault(bot, {})[command] = build


def _store(client: discord.Client) -> PageStore:
    store = _stores.get(client)
    if store is None:
        raise RuntimeError("bot.kit.pages.install(bot) was not called in setup_hook")
    return store


# ---- the buttons ------------------------------------------------------------------------------------

PREVIOUS, NEXT = "prev", "next"


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    # ``arg`` is absent on buttons sent before it was carried: those cannot be built again.
    template=(
        r"mentorbot:page:(?P<list>\d+):(?P<owner>\d+):(?P<command>[a-z ]{1,32})(?::(?P<arg>\d*))?"
        r":(?P<at>\d+):(?P<way>prev|next)"
    ),
):
    """◀ or ▶ on a list reply. The custom id carries everything needed to answer a press even when the
    pages are gone: whose list it is, which command made it and its one option (``arg``, an id, empty
    when not given), the page shown and the way to turn."""

    def __init__(
        self,
        list_id: int,
        owner: int,
        command: str,
        at: int,
        way: str,
        *,
        arg: str | None = "",
        disabled: bool = False,
    ):
        self.list_id, self.owner, self.command, self.at, self.way = list_id, owner, command, at, way
        self.arg = arg
        carried = "" if arg is None else f":{arg}"
        super().__init__(
            discord.ui.Button(
                label="◀" if way == PREVIOUS else "▶",
                # A way to go stands out; the way that leads nowhere is greyed out.
                style=discord.ButtonStyle.secondary if disabled else discord.ButtonStyle.primary,
                custom_id=f"mentorbot:page:{list_id}:{owner}:{command}{carried}:{at}:{way}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        return cls(
            int(match["list"]),
            int(match["owner"]),
            match["command"],
            int(match["at"]),
            match["way"],
            arg=match["arg"],
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await interaction.response.send_message(
                f"Only <@{self.owner}> can turn these pages; run /{self.command} to see your own list.",
                ephemeral=True,
            )
            return
        store = _store(interaction.client)
        pages = store.get(self.list_id)
        if pages is None:
            pages = await self._built_again(interaction)
            if pages is None:
                return
            store.put(self.list_id, pages)
        target = max(0, min(len(pages) - 1, self.at + (1 if self.way == NEXT else -1)))
        await interaction.response.edit_message(
            embed=pages[target],
            view=buttons(self.list_id, self.owner, self.command, target, len(pages), self.arg or None),
        )

    async def _built_again(self, interaction: discord.Interaction[Any]) -> tuple[discord.Embed, ...] | None:
        """The list as it is now, from what this button carries; None when it was answered otherwise
        (refused now, or a button that does not carry enough)."""
        build = _builders.get(interaction.client, {}).get(self.command)
        if build is None or self.arg is None:
            await interaction.response.send_message(
                f"This list has expired; run /{self.command} again to see it.", ephemeral=True
            )
            return None
        try:
            listing = await build(interaction, int(self.arg) if self.arg else None)
        except Refusal as refusal:
            await answer_refusal(interaction, refusal)
            return None
        return tuple(paginate(listing))


def buttons(
    list_id: int, owner: int, command: str, at: int, count: int, arg: int | str | None = None
) -> discord.ui.View:
    """◀ ▶ for page ``at`` (from 0) of ``count``; the way that leads nowhere is greyed out. ``arg``: the
    command's one option, carried so the list can be built again."""
    view = discord.ui.View(timeout=None)
    carried = "" if arg is None else str(arg)
    view.add_item(PageButton(list_id, owner, command, at, PREVIOUS, arg=carried, disabled=at == 0))
    view.add_item(PageButton(list_id, owner, command, at, NEXT, arg=carried, disabled=at >= count - 1))
    return view


async def show(interaction: discord.Interaction[Any], listing: Listing, arg: int | None = None) -> None:
    """Answer a (deferred) command with the listing's first page, and buttons when there are more;
    ``arg`` is the command's one option (an id), for building the list again (``rebuilds``)."""
    pages = paginate(listing)
    if len(pages) == 1:
        await interaction.edit_original_response(embed=pages[0])
        return
    if interaction.command is None:
        raise RuntimeError("pages.show answers a slash command")
    command = interaction.command.qualified_name
    _store(interaction.client).put(interaction.id, pages)
    await interaction.edit_original_response(
        embed=pages[0], view=buttons(interaction.id, interaction.user.id, command, 0, len(pages), arg)
    )


async def answer(interaction: discord.Interaction[Any], build: Build, arg: int | None = None) -> bool:
    """A list command: defer, build the listing with ``build`` (the one ``rebuilds`` registered for
    it) and show it; a refusal is answered instead. Whether the list was shown."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        listing = await build(interaction, arg)
    except Refusal as refusal:
        await answer_refusal(interaction, refusal)
        return False
    await show(interaction, listing, arg)
    return True
