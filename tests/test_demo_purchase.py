"""The demo's last scene (R17): a renewal bought in Discord while the seat is in grace."""

from __future__ import annotations

import io

from bot.demo import run_demo

SCENE = [
    "━━━ 5. A renewal bought in Discord: @alice",
    "@mia ▸ /complete student:@alice",
    "Your pack is complete. Renew within 48 hours to keep your seat.",  # this server set 48 (scene 4)
    "[💎 Discord's premium button → buy Renewal pack]",
    # In grace, /mysessions offers the renewal too.
    "@alice ▸ /mysessions",
    "⏳ in grace",
    "↳ Renew here:",
    "[💎 Discord's premium button → buy Renewal pack]",
    "@alice presses it and pays in Discord",
    "Thank you for your purchase: a pack of 4 sessions with mia (@mia) is on your seat, "
    "valid until Wed 27 May 2026. Your seat is yours again: it is no longer in grace.",
    "consumed the entitlement (consumed: True)",
    "Discord delivers the same ENTITLEMENT_CREATE again: nothing more is granted.",
    "@alice ▸ /mysessions",
    "□□□□ 0 of 4 used · 4 left · ends Wed 27 May 2026",
    "⟳ sweep: nothing due",
]


async def test_the_demo_shows_a_renewal_bought_in_discord() -> None:
    out = io.StringIO()
    await run_demo(out)
    transcript = out.getvalue()
    scene = transcript[
        transcript.index(SCENE[0]) : transcript.index("━━━ 7. ")
    ]  # scene 7 buys through Stripe

    position = 0
    for line in SCENE:
        found = scene.find(line, position)
        assert found >= 0, f"not found after position {position}: {line!r}\n\n{scene}"
        position = found + len(line)
    assert scene.count("Thank you for your purchase") == 1  # the replayed CREATE granted nothing
    assert "Your seat will be released" not in scene
    # With 4 sessions left and months to go, /mysessions offers no renewal; the seat she held with the
    # same mentor before (released in scene 1) is not listed beside her live one.
    last = scene[scene.rindex("@alice ▸ /mysessions") : scene.index("⟳ sweep: nothing due")]
    assert "Renew here" not in last
    assert "(released)" not in last
