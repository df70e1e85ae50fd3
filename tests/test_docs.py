"""The README, docs/ and `.env.example` stay in step with the code: every setting, its default, every
command, every link and picture."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from discord import app_commands

from bot import create_bot, demo
from bot.app import MentorBot
from bot.cli import main
from core.config import SERVER_SETTINGS, Settings
from tests.conftest import Server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


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


async def test_the_readme_admin_example_is_what_the_demo_shows() -> None:
    out = io.StringIO()
    await demo.run_demo(out)
    transcript = {line.strip() for line in out.getvalue().splitlines()}
    section = README.split("### Admins", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)
    assert len(examples) == 2
    for block in examples:
        for line in block.strip().splitlines():
            assert line.strip() in transcript, line


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
    assert changed == {"discord_token", "database_url", "renew_url"}  # a token SimCord ignores, a temp file
    assert settings.renew_url == demo.DEMO_RENEW_URL
    section = README.split("## See it first", 1)[1].split("\n## ", 1)[0]
    assert f"except `RENEW_URL={demo.DEMO_RENEW_URL}`" in section


def test_the_license_is_the_one_pyproject_names() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n\nCopyright (c) 2026 mentorbot contributors\n")
