"""``monopilot-integrations new-connector``: the package it writes installs, registers,
migrates and passes its own tests, as a connector author would run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monopilot_integrations.server.cli import main
from tests.support.connector_env import connector_env

pytestmark = pytest.mark.slow


def new_connector(name: str, parent: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["new-connector", name, "--dir", str(parent)]) == 0
    return Path(capsys.readouterr().out.strip())


def test_the_generated_package_installs_registers_migrates_and_passes_its_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = new_connector("parcels", tmp_path, capsys)
    assert package == tmp_path / "monopilot-integrations-parcels"
    source = package / "src/monopilot_integrations/connectors/parcels"
    assert (source / "migrations/parcels_0001_first_table.py").is_file()
    assert (package / "tests/test_parcels.py").is_file()

    env = connector_env(tmp_path)
    env.install(package)

    listed = env.cli("plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    (plugin,) = [p for p in json.loads(listed.stdout)["plugins"] if p["name"] == "parcels"]
    assert plugin["distribution"] == "monopilot-integrations-parcels"
    assert plugin["module"] == "monopilot_integrations.connectors.parcels.plugin"
    assert plugin["connectors"] == ["parcels"]
    assert plugin["migrations"] == ["parcels"]
    assert plugin["routes"] == ["GET /api/integrations/parcels/deliveries"]

    migrated = env.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "parcels_0001" in migrated.stdout

    tested = env.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed" in tested.stdout


@pytest.mark.parametrize("name", ["Parcel-Hub", "9lives", "parcel__hub", "x"])
def test_a_name_that_cannot_be_a_package_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["new-connector", name, "--dir", str(tmp_path)]) == 1
    assert f"connector name {name!r}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = new_connector("parcels", tmp_path, capsys)
    (package / "README.md").write_text("mine")
    assert main(["new-connector", "parcels", "--dir", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert (package / "README.md").read_text() == "mine"
