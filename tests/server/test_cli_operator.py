"""The operator's path through the installed command: seed, find the organisation, issue
a key for it (by id or code), with the tiers in the help."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from tests.server.test_cli import DEMO, cli

# The installed command, several runs each (every one loads every plugin).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ENV = {"MONOPILOT_DISABLE_PLUGINS": "acme", "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def seeded(data_dir: Path) -> str:
    """Migrate and seed the demo; the seed's output."""
    migrated = cli("migrate", data_dir=data_dir, **ENV)
    assert migrated.returncode == 0, migrated.stderr
    seed = cli("seed", str(DEMO), data_dir=data_dir, **ENV)
    assert seed.returncode == 0, seed.stderr
    return seed.stdout


def test_seed_prints_the_ids_of_what_it_created(tmp_path: Path) -> None:
    first = seeded(tmp_path)
    org_id = re.search(rf"organisation 'demo' \(id ({UUID})\)", first)
    assert org_id is not None, first
    assert f"created organization demo {org_id.group(1)}" in first
    products = re.findall(rf"^created products (\S+) ({UUID})$", first, re.MULTILINE)
    assert len(products) >= 1
    assert len({product_id for _, product_id in products}) == len(products)

    again = cli("seed", str(DEMO), data_dir=tmp_path, **ENV).stdout
    assert f"(id {org_id.group(1)})" in again
    assert "created " not in again  # nothing new the second time


def test_orgs_list_shows_each_organisation_with_its_id(tmp_path: Path) -> None:
    empty = cli("migrate", data_dir=tmp_path, **ENV)
    assert empty.returncode == 0, empty.stderr
    none = cli("orgs", "list", data_dir=tmp_path, **ENV)
    assert none.returncode == 0, none.stderr
    assert "no organisations yet" in none.stdout

    seed = seeded(tmp_path)
    org_id = re.search(rf"\(id ({UUID})\)", seed).group(1)  # type: ignore[union-attr]
    listed = cli("orgs", "list", data_dir=tmp_path, **ENV)
    assert listed.returncode == 0, listed.stderr
    assert re.search(rf"^{org_id}  demo  \S", listed.stdout, re.MULTILINE), listed.stdout
    as_json = json.loads(cli("orgs", "list", "--json", data_dir=tmp_path, **ENV).stdout)
    assert [(o["id"], o["code"]) for o in as_json] == [(org_id, "demo")]


def test_api_keys_create_takes_an_organisation_code_or_id(tmp_path: Path) -> None:
    seed = seeded(tmp_path)
    org_id = re.search(rf"\(id ({UUID})\)", seed).group(1)  # type: ignore[union-attr]
    for org in ("demo", org_id):
        made = cli(
            "api-keys", "create", "--org", org, "--name", "erp", "--scopes", "read:products",
            data_dir=tmp_path, **ENV,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("mp_live_")
        assert f"organisation demo ({org_id})" in made.stderr


def test_api_keys_create_refuses_an_organisation_that_does_not_exist(tmp_path: Path) -> None:
    seeded(tmp_path)
    for org in ("nosuch", str(uuid.uuid4())):
        refused = cli(
            "api-keys", "create", "--org", org, "--name", "erp", "--scopes", "read:products",
            data_dir=tmp_path, **ENV,
        )  # fmt: skip
        assert refused.returncode == 2
        assert f"error: no organisation {org!r}" in refused.stderr
        assert refused.stdout == ""


def test_the_help_lists_the_configured_tiers(tmp_path: Path) -> None:
    tiers = "bench=100000/1000000/5000"
    shown = cli(
        "api-keys", "create", "--help", data_dir=tmp_path, MONOPILOT_RATE_LIMIT_TIERS=tiers, **ENV
    )
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    for tier in ("basic (60/1000/10)", "standard (300/10000/50)", "bench (100000/1000000/5000)"):
        assert tier in text
    unknown = cli(
        "api-keys", "create", "--org", "demo", "--name", "x", "--scopes", "read:products",
        "--tier", "gold", data_dir=tmp_path, **ENV,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "invalid choice: 'gold'" in unknown.stderr
