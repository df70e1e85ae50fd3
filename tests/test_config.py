"""Settings: the server settings' registry and validators, the start-up check, and `.env` typos.

The validator a server setting has is the one `/settings set` will call with the text a user typed;
the start-up check reads the environment and `.env` through the same one, so both say the same
sentence for the same bad value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import bounds as b
from core.config import Settings, load_settings
from core.registry import MAX_BUTTON_URL, SERVER_SETTINGS, SettingsError, validate_setting

# The spec's Settings table: each *server* setting and its default.
SPEC_SERVER_DEFAULTS = {
    "admin_role_id": None,
    "fallback_channel_id": None,
    "time_zone": "UTC",
    "pack_size": 4,
    "pack_valid_days": 90,
    "grace_period_hours": 72,
    "final_warning_hours": 12,
    "expiry_warning_days": 3,
    "session_reminder_hours": 24,
    "late_cancel_hours": 24,
    "no_show_counts": True,
    "offer_hours": 24,
    "renew_url": None,
    "renewal_sku_id": None,
    "stripe_payment_link": None,
    "stripe_webhook_secret": None,
    "min_notice_hours": 24,
    "booking_horizon_days": 28,
    "language": "en",
}

# (setting, a text it refuses, words its sentence must carry)
BAD_VALUES = [
    ("admin_role_id", "@admins", "a Discord role id"),
    ("admin_role_id", "0", "a Discord role id"),
    ("fallback_channel_id", "-12", "a Discord channel id"),
    ("time_zone", "Mars/Olympus", "an IANA time zone name"),
    ("time_zone", "../../etc/passwd", "an IANA time zone name"),
    ("pack_size", "0", "from 1 to 52"),
    ("pack_size", "53", "from 1 to 52"),
    ("pack_size", "four", "from 1 to 52"),
    ("pack_valid_days", "731", "from 1 to 730"),
    ("grace_period_hours", "0", "from 1 to 720"),
    ("final_warning_hours", "720", "less than GRACE_PERIOD_HOURS"),
    ("expiry_warning_days", "366", "from 0 (off) to 365"),
    ("session_reminder_hours", "2.5", "from 0 (off) to 168"),
    ("late_cancel_hours", "169", "from 0 (off) to 168"),
    ("no_show_counts", "maybe", "true or false"),
    ("offer_hours", "0", "from 1 to 168"),
    ("offer_hours", "169", "from 1 to 168"),
    ("renew_url", "ftp://example.com/renew", "an http(s) link of at most 512 characters"),
    ("renew_url", "example.com/renew", "an http(s) link"),
    ("renew_url", "https://example.com/" + "r" * 493, "at most 512 characters"),
    ("renewal_sku_id", "premium", "a Discord SKU id"),
    ("stripe_payment_link", "https://example.com/pay", "a Stripe Payment Link"),
    ("stripe_payment_link", "https://buy.stripe.com/abc?x=1", "without a query"),
    ("stripe_webhook_secret", "sk_live_123", "signing secret"),
    ("min_notice_hours", "169", "from 0 to 168"),
    ("booking_horizon_days", "0", "from 1 to 90"),
    ("language", "fr", "one of en, es, pt-BR"),
]


def test_the_registry_holds_every_server_setting_of_the_spec_with_its_default() -> None:
    assert {name: setting.default for name, setting in SERVER_SETTINGS.items()} == SPEC_SERVER_DEFAULTS
    for name, setting in SERVER_SETTINGS.items():
        assert name == name.lower()
        assert setting.meaning
        assert Settings.model_fields[name].get_default() == setting.default, name
        if setting.low is not None:
            assert setting.validate(str(setting.low)) == setting.low
            assert setting.validate(str(setting.high)) == setting.high


def test_the_registry_bounds_are_the_programs_bounds() -> None:
    assert (SERVER_SETTINGS["pack_size"].low, SERVER_SETTINGS["pack_size"].high) == (
        b.MIN_PACK_SESSIONS,
        b.MAX_PACK_SESSIONS,
    )
    assert SERVER_SETTINGS["pack_valid_days"].high == b.MAX_VALID_DAYS
    assert SERVER_SETTINGS["grace_period_hours"].high == b.MAX_GRACE_HOURS


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("admin_role_id", "1456074443980800015", 1456074443980800015),
        ("fallback_channel_id", " 42 ", 42),
        ("fallback_channel_id", "", None),
        ("time_zone", "Europe/Berlin", "Europe/Berlin"),
        ("time_zone", "America/New_York", "America/New_York"),
        ("pack_size", "52", 52),
        ("final_warning_hours", "0", 0),
        ("late_cancel_hours", "0", 0),
        ("no_show_counts", "off", False),
        ("no_show_counts", "TRUE", True),
        ("renew_url", "https://example.com/renew?pack=4", "https://example.com/renew?pack=4"),
        ("renew_url", "https://example.com/" + "r" * 492, "https://example.com/" + "r" * 492),
        ("renewal_sku_id", "1234567890", 1234567890),
    ],
)
def test_a_good_text_gives_its_value(name: str, text: str, value: object) -> None:
    assert validate_setting(name, text) == value


@pytest.mark.parametrize(("name", "text", "accepts"), BAD_VALUES)
def test_a_bad_text_is_refused_with_the_start_up_checks_sentence(
    name: str, text: str, accepts: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SettingsError) as by_command:
        validate_setting(name, text, {"grace_period_hours": 72})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name.upper(), text)
    with pytest.raises(SettingsError) as at_start:
        load_settings()
    sentence = str(by_command.value)
    assert sentence == str(at_start.value)
    assert sentence.startswith(f"{name.upper()}=")
    assert accepts in sentence
    assert "\n" not in sentence


def test_a_renew_url_longer_than_a_button_takes_stops_the_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9, fault 3: such a link passed the check, then Discord refused every renewal DM."""
    monkeypatch.chdir(tmp_path)
    longest = "https://example.com/" + "r" * (MAX_BUTTON_URL - len("https://example.com/"))
    assert load_settings(renew_url=longest).renew_url == longest
    with pytest.raises(SettingsError) as refused:
        load_settings(renew_url=longest + "r")
    line = str(refused.value)
    assert line.startswith("RENEW_URL='https://example.com/rrr")
    assert "(513 characters)" in line
    assert line.endswith(
        "it accepts an http(s) link of at most 512 characters (Discord's limit on a button), or nothing."
    )
    assert len(line) < 250


def test_the_final_warning_must_come_before_the_grace_ends_for_the_same_server() -> None:
    assert validate_setting("final_warning_hours", "20", {"grace_period_hours": 24}) == 20
    with pytest.raises(SettingsError, match="less than GRACE_PERIOD_HOURS"):
        validate_setting("final_warning_hours", "24", {"grace_period_hours": 24})
    with pytest.raises(SettingsError, match="less than GRACE_PERIOD_HOURS"):
        validate_setting("grace_period_hours", "12", {"final_warning_hours": 12})


def test_a_name_that_is_no_server_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="is not a server setting"):
        validate_setting("discord_token", "x")


def test_typed_values_meet_the_same_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(offer_hours=168, no_show_counts=False).offer_hours == 168
    with pytest.raises(SettingsError, match=r"^OFFER_HOURS=169 is not valid"):
        load_settings(offer_hours=169)
    with pytest.raises(SettingsError, match=r"^TIME_ZONE='Europe/Nowhere' is not valid"):
        load_settings(time_zone="Europe/Nowhere")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PAKC_SIZE=6", ".env line 2: PAKC_SIZE is not a setting; did you mean PACK_SIZE?"),
        (
            "DISCORD_TOKN=MTQ1.secret.token",
            ".env line 2: DISCORD_TOKN is not a setting; did you mean DISCORD_TOKEN?",
        ),
        (
            "export shoe_size=44",
            ".env line 2: SHOE_SIZE is not a setting; the settings are listed in .env.example.",
        ),
    ],
)
def test_a_dot_env_line_that_is_no_setting_stops_the_start_naming_the_line(
    line: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"# mentorbot\n{line}\nPACK_SIZE=5\n")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == expected
    assert "secret" not in str(refused.value)


def test_a_bad_webhook_secret_is_refused_without_being_shown_back() -> None:
    with pytest.raises(SettingsError) as refused:
        validate_setting("stripe_webhook_secret", "whsec_not valid")
    assert "not valid" not in str(refused.value).split("=", 1)[1].split(" is ")[0]
    assert "(hidden)" in str(refused.value)


def test_the_language_is_read_however_it_is_capitalised() -> None:
    assert validate_setting("language", "PT-br") == "pt-BR"
    assert validate_setting("language", "es") == "es"


def test_the_web_door_settings_are_checked_at_start() -> None:
    assert load_settings(public_url="https://bot.example.org/").public_url == "https://bot.example.org"
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings(public_url="bot.example.org")
    with pytest.raises(SettingsError, match="WEB_PORT"):
        load_settings(web_port=70000)
