"""The files documentation names every setting (with its variable), every route, every
column of every kind and every import column; the XSD it links is the one shipped."""

from __future__ import annotations

from pathlib import Path

from monopilot_integrations.connectors.files.export.kinds import KINDS
from monopilot_integrations.connectors.files.imports.columns import COLUMNS, UNITS
from monopilot_integrations.connectors.files.routes import ROUTES
from monopilot_integrations.connectors.files.settings import FilesSettings

ROOT = Path(__file__).resolve().parents[3]
TEXT = (ROOT / "docs" / "files.md").read_text()


def test_every_setting_and_route_is_documented() -> None:
    missing = [
        name
        for name in FilesSettings.model_fields
        if f"`{name}`" not in TEXT or f"`MONOPILOT_FILES_{name.upper()}`" not in TEXT
    ]
    assert missing == []
    assert [r.path for r in ROUTES if f"`{r.path}`" not in TEXT] == []


def test_every_column_and_unit_is_documented_and_the_page_is_linked() -> None:
    columns = {c.name for kind in KINDS.values() for c in kind.columns} | {c.name for c in COLUMNS}
    assert sorted(c for c in columns if f"`{c}`" not in TEXT) == []
    assert [u for u in UNITS if f"`{u}`" not in TEXT] == []
    assert "(files.md)" in (ROOT / "docs" / "index.md").read_text()
    assert "docs/files.md" in (ROOT / "README.md").read_text()
    linked = TEXT.split("schemas/export.xsd`](")[1].split(")")[0]
    assert (ROOT / "docs" / linked).resolve().is_file()
