"""The installed ``monopilot-integrations`` command, run as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.examples import requires_acme

pytestmark = pytest.mark.slow

DEMO = (
    Path(__file__).resolve().parents[2]
    / "server/src/monopilot_integrations/server/demo/demo-org.json"
)


def cli(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    return subprocess.run(
        [exe, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "MONOPILOT_DATA_DIR": str(data_dir), **env},
        timeout=120,
    )


@requires_acme
def test_plugins_lists_each_plugin_with_what_it_registered(tmp_path: Path) -> None:
    result = cli("plugins", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "acme  (acme-monopilot-connector 0.1.0; acme_monopilot.plugin)" in result.stdout
    assert "connectors: acme" in result.stdout
    assert "mappers: acme/purchase_order" in result.stdout
    assert (
        "event types: inventory.low, invoice.created, invoice.updated, order.created"
        in result.stdout
    )

    data = json.loads(cli("plugins", "--json", data_dir=tmp_path).stdout)
    acme = next(p for p in data["plugins"] if p["name"] == "acme")
    assert acme["transports"] == ["acme-folder"]


@requires_acme
def test_plugins_shows_what_the_block_list_skipped(tmp_path: Path) -> None:
    result = cli("plugins", data_dir=tmp_path, MONOPILOT_DISABLE_PLUGINS="acme")
    assert "acme  (skipped: in MONOPILOT_DISABLE_PLUGINS)" in result.stdout
    assert "connectors: acme" not in result.stdout


def test_a_broken_allow_list_is_a_clear_error(tmp_path: Path) -> None:
    result = cli("plugins", data_dir=tmp_path, MONOPILOT_PLUGINS="nosuch")
    assert result.returncode == 2
    assert "MONOPILOT_PLUGINS names plugins that are not installed: nosuch" in result.stderr


def test_migrate_creates_a_data_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    result = cli("migrate", data_dir=data_dir, MONOPILOT_DISABLE_PLUGINS="acme")
    assert result.returncode == 0, result.stderr
    assert (data_dir / "monopilot.db").is_file()


@requires_acme
def test_migrate_then_seed_the_demo_twice(tmp_path: Path) -> None:
    result = cli("migrate", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "acme_0001" in result.stdout
    assert (tmp_path / "monopilot.db").exists()

    first = cli("seed", str(DEMO), data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    second = cli("seed", str(DEMO), data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    assert first.stdout != second.stdout  # the second load reports nothing created
    assert "created" in first.stdout


def test_seed_with_a_bad_file_lists_the_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"organization": {"code": "x"}, "suppliers": [{"nme": "typo"}]}))
    cli("migrate", data_dir=tmp_path)
    result = cli("seed", str(bad), data_dir=tmp_path)
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "suppliers" in result.stderr


@pytest.mark.parametrize("args", [["generate-secret-key"], ["generate-secret-key", "--id", "k2"]])
def test_generate_secret_key_prints_a_usable_key(tmp_path: Path, args: list[str]) -> None:
    from monopilot_integrations.core.crypto import Keyring

    line = cli(*args, data_dir=tmp_path).stdout.strip()
    keyring = Keyring.from_config(line)
    token = keyring.encrypt("x", org_id="o", purpose="p")
    assert keyring.decrypt(token, org_id="o", purpose="p") == "x"
