"""``monopilot-integrations portal-users``: create, list, suspend, reactivate, reset, as the
operator runs it (the installed console script, a migrated SQLite file, the demo seed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.server.test_cli import DEMO, cli

ENV = {"MONOPILOT_WEB_PASSWORD_TIME_COST": "1", "MONOPILOT_WEB_PASSWORD_MEMORY_KIB": "1024"}


# Eight processes, each loading every plugin: minutes on a busy machine.
@pytest.mark.timeout(900)
def test_portal_users_from_the_command_line(tmp_path: Path) -> None:
    assert cli("migrate", data_dir=tmp_path).returncode == 0
    assert cli("seed", str(DEMO), data_dir=tmp_path).returncode == 0
    created = cli(
        "portal-users",
        "create",
        "--org",
        "demo",
        "--portal",
        "supplier",
        "--party",
        "MLYN-01",
        "--email",
        "Anna@Mlyn.example",
        "--name",
        "Anna",
        data_dir=tmp_path,
        **ENV,
    )
    assert created.returncode == 0, created.stderr
    assert (
        "created supplier portal user" in created.stdout and "<anna@mlyn.example>" in created.stdout
    )
    assert re.search(r"temporary password \(shown once\): \S{16,}", created.stdout)

    listed = cli("portal-users", "list", "--org", "demo", data_dir=tmp_path)
    assert "active" in listed.stdout and "anna@mlyn.example" in listed.stdout
    suspended = cli(
        "portal-users",
        "suspend",
        "--org",
        "demo",
        "--email",
        "anna@mlyn.example",
        data_dir=tmp_path,
    )
    assert suspended.stdout.strip() == "anna@mlyn.example: suspended"
    back = cli(
        "portal-users",
        "reactivate",
        "--org",
        "demo",
        "--email",
        "anna@mlyn.example",
        data_dir=tmp_path,
    )
    assert back.stdout.strip() == "anna@mlyn.example: active"
    reset = cli(
        "portal-users",
        "reset-password",
        "--org",
        "demo",
        "--email",
        "anna@mlyn.example",
        data_dir=tmp_path,
        **ENV,
    )
    assert "temporary password (shown once):" in reset.stdout

    unknown = cli(
        "portal-users",
        "create",
        "--org",
        "demo",
        "--party",
        "NOPE",
        "--email",
        "x@y.example",
        "--name",
        "X",
        data_dir=tmp_path,
        **ENV,
    )
    assert unknown.returncode == 2 and "no supplier 'NOPE'" in unknown.stderr
    no_org = cli("portal-users", "list", "--org", "nope", data_dir=tmp_path)
    assert no_org.returncode == 2 and "no organisation 'nope'" in no_org.stderr
