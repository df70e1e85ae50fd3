"""`mentorbot demo` tells the whole story, readably, offline, in a few seconds, whatever `.env` says."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.demo import run_demo
from bot.transcript import relative, terminal
from core.config import Settings

ONE_LEFT = "You have 1 session remaining. Renew now to continue."
PACK_COMPLETE = "Your pack is complete. Renew within 72 hours to keep your seat."
FINAL_WARNING = "Your seat will be released in 12 hours. Renew now to keep your mentorship active."
RELEASED = "Your seat with mia (@mia) has been released. Your grace period ended without a renewal."

# The story, in the order it happens: (a line of the transcript) ... each found after the one before.
STORY = [
    "Mon 05 Jan 2026 09:00 UTC",
    "@ada ▸ /mentor add mentor:@mia seats:1",
    "↳ @mia is now a mentor with 1 seat.",
    "@ada ▸ /pack grant student:@alice mentor:@mia",
    "↳ Granted @alice a pack of 4 sessions with @mia, valid until Sun 05 Apr 2026. A new seat was reserved",
    "@ada ▸ /pack grant student:@bob mentor:@mia",
    "↳ @mia has no free seat (1 of 1 seat held); raise their seats with /mentor add",
    "@mia ▸ /schedule student:@alice when:2026-01-07T19:00+01:00",
    "✉ DM to @alice: From Mentorship:",
    "mia (@mia) booked a 60-minute session with you for Wed 07 Jan 2026 18:00 UTC (in 2 days).",
    "Tue 06 Jan 2026 18:00 UTC",
    "⟳ sweep: reminders for sessions: 1",
    "✉ DM to @alice: From Mentorship:",
    "Reminder: your 60-minute session with mia (@mia) is Wed 07 Jan 2026 18:00 UTC (in 1 day).",
    "@mia ▸ /complete student:@alice",
    "↳ Session 1 of 4 completed for @alice — 3 left.",
    "↳ Session 2 of 4 completed for @alice — 2 left.",
    "↳ Session 3 of 4 completed for @alice — 1 left.",
    "✉ DM to @alice: From Mentorship:",
    ONE_LEFT,
    "[🔁 Renew → https://example.com/renew]",
    "@alice ▸ /mysessions",
    "■■■□ 3 of 4 used · 1 left",
    "Wed 28 Jan 2026 19:00 UTC",
    "↳ Session 4 of 4 completed for @alice — 0 left. Their seat is held until Sat 31 Jan 2026 19:00 UTC",
    "✉ DM to @alice: From Mentorship:",
    PACK_COMPLETE,
    "✉ DM to @mia: From Mentorship:",
    "alice (@alice) has completed their last session with you.",
    "Sat 31 Jan 2026 07:00 UTC",
    "⟳ sweep: final warnings for seats: 1",
    "✉ DM to @alice: From Mentorship:",
    FINAL_WARNING,
    "@ada ▸ /seats",
    "⏳ alice — in grace until Sat 31 Jan 2026 19:00 UTC (in 12 hours) · 0 sessions left",
    "Sat 31 Jan 2026 19:00 UTC",
    "⟳ sweep: seats released: 1",
    "✉ DM to @alice: From Mentorship:",
    RELEASED,
    "✉ DM to @mia: From Mentorship:",
    "The seat of alice (@alice) with you has been released. Their grace period ended without a renewal. "
    "You now hold 0 of 1 seat.",
    "@ada ▸ /pack grant student:@bob mentor:@mia sessions:2",
    "↳ Session 1 of 2 completed for @bob — 1 left.",
    "✉ DM to @bob: From Mentorship:",
    ONE_LEFT,
    "↳ Session 2 of 2 completed for @bob — 0 left.",
    "✉ DM to @bob: From Mentorship:",
    PACK_COMPLETE,
    "Tue 17 Feb 2026 10:00 UTC",
    "@ada ▸ /pack grant student:@bob mentor:@mia",
    "Their seat was in grace and is active again.",
    "Thu 19 Feb 2026 05:00 UTC",
    "⟳ sweep: nothing due",
    "Thu 19 Feb 2026 17:00 UTC",
    "⟳ sweep: nothing due",
    "@bob ▸ /mysessions",
    "□□□□ 0 of 4 used · 4 left",
    "1 of 1 seat held · 0 in grace",
    "4. This server's own settings, and times in your own zone",
    "@ada ▸ /settings set name:grace_period_hours value:48",
    "↳ grace_period_hours is now 48 in this server (it was 72); it applies from now on.",
    "48 — this server",
    "@mia ▸ /timezone zone:Europe/Berlin",
    "@mia ▸ /schedule student:@bob when:tomorrow",
    "↳ “tomorrow” names a day but no time; add one, like tomorrow 18:00 or 2026-12-01T18:00.",
    "@mia ▸ /schedule student:@bob when:tomorrow 18:00",
    "↳ Booked session #8 with @bob for Fri 20 Feb 2026 17:00 UTC (in 23 hours)",  # 18:00 in Berlin
    # R19: a waitlist offer taken.
    "@cleo ▸ /waitlist join mentor:@mia",
    "↳ You are #1 in @mia's line.",
    "@ada ▸ /mentor add mentor:@mia seats:3",
    "✉ DM to @cleo: From Mentorship:",
    "The offer carries the buttons [💎 buy] and [Accept] and [Decline].",
    "@cleo ▸ [Accept]",
    "↳ Accepted: the seat with @mia is held for you",
    "Buy a pack with the button below to take it.",
    "so Accept answers with the buy button",
    "@ada ▸ /pack grant student:@cleo mentor:@mia",
    "3 of 3 seats held",
    "━━━ 7. A session booked from the mentor's hours: @cleo",
    "@mia ▸ /hours add day:thu start:18:00 end:20:00",
    "↳ Thu 18:00–20:00 (Europe/Berlin) is now in your weekly hours;",
    "@mia ▸ /hours show",
    "Thu 05 Mar 2026 17:00 UTC (in 3 days)",
    "@cleo ▸ /book",
    "· The reply's menu lists the week's open slots, in @cleo's zone: Thu 05 Mar 17:00–18:00 (in 3 days);",
    "@cleo ▸ /book when:2026-03-05T17:00:00+00:00",
    "↳ Booked session #10 with @mia for Thu 05 Mar 2026 17:00 UTC (in 3 days), 60 minutes.",
    "✉ DM to @cleo: From Mentorship:",
    "You booked a 60-minute session with mia (@mia) for Thu 05 Mar 2026 17:00 UTC (in 3 days).",
    "✉ DM to @mia: From Mentorship:",
    "cleo (@cleo) booked a 60-minute session with you for Thu 05 Mar 2026 17:00 UTC (in 3 days).",
    "8. A renewal through Stripe: @dan",
    "[💳 Renew → https://buy.stripe.com/demo_renewal?client_reference_id=",
    "Stripe posts it: the bot answers 200 (placed).",
    "Thank you for your purchase: a pack of 4 sessions with mia (@mia) is on your seat",
    "Your seat is yours again: it is no longer in grace.",
    "Stripe posts it again (Stripe may deliver an event twice): the bot answers 200 (duplicate).",
    "When his grace would have ended, his seat is kept: he renewed.",
    "⟳ sweep: nothing due",
    "0 of 4 used · 4 left",
    "Done: 62 simulated days in",
]


async def test_the_demo_tells_the_whole_story_in_order() -> None:
    out = io.StringIO()
    await run_demo(out)
    transcript = out.getvalue()

    position = 0
    for line in STORY:
        found = transcript.find(line, position)
        assert found >= 0, f"not found after position {position}: {line!r}\n\n{transcript}"
        position = found + len(line)
    # Bob renewed in grace: he never gets a final warning, and his seat is never released.
    assert transcript.count(FINAL_WARNING) == 1
    assert transcript.count(RELEASED) == 1  # Alice's
    # Discord's markup is rendered for a terminal.
    assert "<@" not in transcript
    assert "<t:" not in transcript
    assert "**" not in transcript


@pytest.mark.slow
def test_mentorbot_demo_runs_offline_in_under_ten_seconds_whatever_dot_env_says(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PACK_SIZE=99\nDISCORD_TOKEN=\nGUILD_ID=123\n")
    env = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    env["GRACE_PERIOD_HOURS"] = "24"  # ignored: the demo always runs on the defaults
    script = shutil.which("mentorbot", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "bot.cli"]

    started = time.monotonic()
    done = subprocess.run(
        [*command, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    elapsed = time.monotonic() - started

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert PACK_COMPLETE in done.stdout
    assert "Their seat was in grace and is active again." in done.stdout
    assert elapsed < 10
    assert list(tmp_path.iterdir()) == [tmp_path / ".env"]  # the database lived in a temporary directory


def test_markup_reads_as_a_person_would_see_it() -> None:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    later = int(datetime(2026, 1, 8, 9, tzinfo=UTC).timestamp())
    text = terminal(
        f"<@42> until <t:{later}:F> (<t:{later}:R>), ends <t:{later}:D>; **4 left**", {42: "alice"}, now
    )
    assert text == "@alice until Thu 08 Jan 2026 09:00 UTC (in 3 days), ends Thu 08 Jan 2026; 4 left"
    assert relative(-12 * 3600) == "12 hours ago"
    assert relative(30) == "now"
