"""docs/comarch.md documents every route, setting and fault of the connector, and is linked
from the index and the README."""

from __future__ import annotations

from pathlib import Path

from monopilot_integrations.connectors.comarch.api.routes import ROUTES
from monopilot_integrations.connectors.comarch.settings import ComarchSettings

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "comarch.md").read_text()


def test_every_route_setting_and_fault_is_documented() -> None:
    for route in ROUTES:
        assert route.path.removeprefix("/api/integrations/comarch") in DOC or route.path in DOC, (
            route.path
        )
    for name in ComarchSettings.model_fields:
        assert f"MONOPILOT_COMARCH_{name.upper()}" in DOC, name
    for fault in ("timeout", "500", "503", "401", "lost"):
        assert f"`{fault}`" in DOC, fault


def test_the_guide_is_linked() -> None:
    assert "(comarch.md)" in (ROOT / "docs" / "index.md").read_text()
    assert "docs/comarch.md" in (ROOT / "README.md").read_text()
