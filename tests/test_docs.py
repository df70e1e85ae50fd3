"""The README, docs/ and `.env.example` stay in step with the code: every setting, its default, every
command, every link and picture, the demo excerpts and log lines they quote, the migration they name,
and the systemd unit they give. No text a user reads cites one of the spec's rule numbers."""

from __future__ import annotations

import asyncio
import configparser
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot import create_bot, demo
from bot.app import MentorBot
from bot.cli import main
from core.config import ACCEPTS, SERVER_SETTINGS, Settings
from core.migrate import head_revision
from tests.conftest import Server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
# What users and operators read. docs/design.md is left out on purpose: it is written for developers
# and maps the code to the spec's rules by their numbers, as the code's docstrings and tests do.
USER_DOCS = ("README.md", ".env.example", "docs/operations.md", "docs/scaling.md", "docs/screenshots.md")
RULE_NUMBER = re.compile(r"\bR\d{1,2}\b")
LOG_FORMAT = "%(levelname)-7s %(name)s: %(message)s"  # bot.cli's, less the time


@dataclass(frozen=True)
class DemoRun:
    transcript: str  # what `mentorbot demo` prints
    logs: list[str]  # what `mentorbot demo --logs` adds, each line less its time


@pytest.fixture(scope="module")
def demo_run() -> DemoRun:
    """One run of the demo for every test here that quotes it (it takes a few seconds)."""
    out, logs = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        asyncio.run(demo.run_demo(out))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    return DemoRun(out.getvalue(), logs.getvalue().splitlines())


def section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def text_blocks(text: str) -> list[str]:
    return re.findall(r"```text\n(.*?)```", text, flags=re.DOTALL)


def defaults() -> dict[str, str]:
    """Each setting's variable name and its default as text ('' when it has none)."""
    found = {}
    for name, field in Settings.model_fields.items():
        default = field.get_default()
        found[name.upper()] = (
            ""
            if default is None
            else str(default).lower()
            if default in (True, False) and isinstance(default, bool)
            else str(default)
        )
    return found


def readme_settings() -> dict[str, str]:
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.+?) \|", section, flags=re.MULTILINE)
    return {name: "" if default == "—" else default.strip("`") for name, default in rows}


def example_settings() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))


def test_env_example_lists_every_setting_with_its_default() -> None:
    example = example_settings()
    expected = defaults()
    expected["DISCORD_TOKEN"] = ""  # a secret: never a default
    assert example == expected


def test_the_readme_settings_table_lists_every_setting_with_its_default() -> None:
    assert readme_settings() == defaults()


def test_the_operations_guide_documents_every_cli_command_and_the_readme_names_them() -> None:
    for command in main.commands:
        assert f"`mentorbot {command}`" in OPERATIONS, command
        assert f"`{command}`" in README.split("## More", 1)[1], command


async def test_the_readme_documents_every_slash_command(server: Server) -> None:
    tree = server.env.bot.tree  # the bot as SimCord started it: every cog loaded
    names = {
        command.qualified_name
        for command in tree.walk_commands()
        if not isinstance(command, app_commands.Group)
    }
    assert {"mysessions", "complete", "roster", "student", "seats", "export", "report"} <= names
    section = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for name in names:
        assert f"| `/{name}" in section, name


def test_every_link_and_picture_in_the_readme_and_docs_exists() -> None:
    for page in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#]+?)(?:#[^)]*)?\)", text):
            if target.startswith(("http://", "https://")):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which is missing"


def test_the_readme_marks_exactly_the_server_settings() -> None:
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    marked = re.findall(r"^\| `([A-Z_]+)` \| .+? \| server \|", section, flags=re.MULTILINE)
    assert [name.lower() for name in marked] == list(SERVER_SETTINGS)


def test_the_readme_excerpt_is_the_demos_output_verbatim(demo_run: DemoRun) -> None:
    (excerpt, *_) = text_blocks(section(README, "## See it first"))
    assert excerpt in demo_run.transcript


def test_the_readme_command_examples_are_what_the_demo_shows(demo_run: DemoRun) -> None:
    transcript = {line.strip() for line in demo_run.transcript.splitlines()}
    for heading in ("### Students", "### Mentors", "### Admins"):
        examples = text_blocks(README.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0])
        assert examples, heading
        for block in examples:
            for line in block.strip().splitlines():
                assert line.strip() in transcript, f"{heading}: {line}"


def test_the_log_lines_in_the_operations_guide_are_what_the_demo_logs(demo_run: DemoRun) -> None:
    """Logger names follow the modules: a line quoted from an old layout fails here."""
    (example,) = [block for block in text_blocks(OPERATIONS) if re.match(r"\d{4}-\d\d-\d\d ", block)]
    for line in example.strip().splitlines():
        assert line[24:] in demo_run.logs, line  # less "2026-11-26 00:10:00,180 "


def test_the_docs_name_the_latest_migration() -> None:
    named = []
    for name in ("README.md", "docs/operations.md", "docs/scaling.md", "docs/design.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        named += re.findall(r"latest migration \((\w+)\)", text)
        named += re.findall(r"migrated from .+? to (\w+)", text)
    assert named
    assert set(named) == {head_revision()}


def test_no_text_a_user_reads_cites_a_rule_number() -> None:
    for name in USER_DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            assert not RULE_NUMBER.search(line), f"{name} line {number}: {line}"
    # /settings show prints each meaning; a bad value's sentence says what it accepts.
    for setting in SERVER_SETTINGS.values():
        assert not RULE_NUMBER.search(setting.meaning), setting.name
    for name, accepts in ACCEPTS.items():
        assert not RULE_NUMBER.search(accepts), name


def test_the_operations_guide_says_when_is_read_in_the_callers_zone() -> None:
    trouble = section(OPERATIONS, "## Troubleshooting")
    assert "is UTC" not in trouble
    assert "/timezone" in trouble
    assert "`TIME_ZONE`" in trouble


def test_the_systemd_unit_never_gives_up() -> None:
    """Restarted however often it stops (an outage longer than systemd's default start limit of five
    starts in ten seconds used to leave it dead), five seconds apart."""
    (block,) = re.findall(r"```ini\n(.*?)```", OPERATIONS, flags=re.DOTALL)
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(block)
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert unit["Service"]["Restart"] == "always"
    assert unit["Service"]["RestartSec"] == "5"
    assert unit["Service"]["ExecStart"].endswith("/mentorbot run")


def test_the_readme_says_how_the_admin_role_gets_to_see_the_admin_commands() -> None:
    """A bot cannot change who sees its commands: the server does, in its Integrations settings."""
    row = next(line for line in README.splitlines() if line.startswith("| `ADMIN_ROLE_ID`"))
    steps = section(README, "## Put it on your server")
    for text in (row, steps):
        assert "Server Settings › Integrations" in text


async def test_the_demo_runs_on_the_defaults_but_the_renew_url_the_readme_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[Settings] = []

    def recording(settings: Settings, **options: Any) -> MentorBot:
        used.append(settings)
        return create_bot(settings, **options)

    monkeypatch.setattr(demo, "create_bot", recording)
    await demo.run_demo(io.StringIO())
    (settings,) = used
    defaults = Settings.model_construct()
    changed = {name for name in Settings.model_fields if getattr(settings, name) != getattr(defaults, name)}
    # A token SimCord ignores, a temp file, the renew link, and a free port for the web door.
    assert changed == {"discord_token", "database_url", "renew_url", "web_port"}
    assert settings.renew_url == demo.DEMO_RENEW_URL
    assert settings.web_port == 0
    section = README.split("## See it first", 1)[1].split("\n## ", 1)[0]
    assert f"except `RENEW_URL={demo.DEMO_RENEW_URL}`" in section


def test_the_license_is_the_one_pyproject_names() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n\nCopyright (c) 2026 mentorbot contributors\n")
