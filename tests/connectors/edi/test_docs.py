"""The EDI documentation names every setting (with its variable) and every route."""

from __future__ import annotations

from pathlib import Path

from monopilot_integrations.connectors.edi.api.routes import ROUTES
from monopilot_integrations.connectors.edi.settings import EdiSettings

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_edi_setting_is_documented_with_its_environment_variable() -> None:
    text = (DOCS / "edi.md").read_text()
    missing = [
        name
        for name in EdiSettings.model_fields
        if f"`{name}`" not in text or f"`MONOPILOT_EDI_{name.upper()}`" not in text
    ]
    assert missing == []


def test_every_edi_route_is_documented_and_the_guides_are_linked() -> None:
    text = (DOCS / "edi.md").read_text()
    assert [r.path for r in ROUTES if f"`{r.path}`" not in text] == []
    index = (DOCS / "index.md").read_text()
    assert "(edi.md)" in index and "(edi-partner-onboarding.md)" in index
