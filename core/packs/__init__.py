"""Packs (R2, R16): granting a bought pack (``grant``), extending it (``extend``), refunding it
(``revoke``), and the ``pack`` option's choices (``choices``)."""

from core.packs.choices import pack_choices
from core.packs.extend import extend_pack
from core.packs.grant import grant_pack
from core.packs.results import PackChoice, PackExtended, PackGranted, PackRevoked
from core.packs.revoke import revoke_pack

__all__ = [
    "PackChoice",
    "PackExtended",
    "PackGranted",
    "PackRevoked",
    "extend_pack",
    "grant_pack",
    "pack_choices",
    "revoke_pack",
]
