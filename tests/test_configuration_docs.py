"""Every setting is documented, with its environment variable."""

from __future__ import annotations

from pathlib import Path

from monopilot_integrations.core.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_in_the_configuration_reference() -> None:
    text = DOC.read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"`{name}`" not in text or f"`MONOPILOT_{name.upper()}`" not in text
    ]
    assert missing == []
