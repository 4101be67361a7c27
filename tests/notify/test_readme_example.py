"""The README's Notifications example is a configuration the desk accepts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from hotline.notify.setup import load_setup

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_configures_every_channel(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").split("## Notifications", 1)[1]
    example = section.split("```toml", 1)[1].split("```", 1)[0]

    def secret_file(match: re.Match[str]) -> str:
        path = tmp_path / match.group(1)
        path.write_text("secret-value\n", encoding="utf-8")
        path.chmod(0o600)
        return f'"{path}"'

    example = re.sub(r'"/etc/hotline/([a-z-]+)"', secret_file, example)
    setup = load_setup(tomllib.loads(example)["notify"])
    assert sorted(c.type for c in setup.channels.values()) == [
        "dingtalk", "feishu", "sms", "smtp", "webhook", "wecom"]
    assert len(setup.rules) == 3
    assert setup.rules[2].matches("complaint", None, "GD-TX-2026-001")
    assert not setup.rules[2].matches("complaint", None, "STD-2026-010")
