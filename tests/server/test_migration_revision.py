"""``monopilot-integrations migrations revision --plugin NAME``: new revisions land on the
plugin's own branch, in its folder, after its head, and migrate."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registration import MigrationBranch
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.server.cli import main
from monopilot_integrations.server.migration_revision import core_base_revision, create_revision
from tests.support.connector_env import ConnectorEnv, connector_env

pytestmark = pytest.mark.slow


@pytest.fixture
def parcels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[ConnectorEnv, Path]:
    """A generated connector installed in its own environment, its database migrated."""
    assert main(["new-connector", "parcels", "--dir", str(tmp_path)]) == 0
    package = Path(capsys.readouterr().out.strip())
    env = connector_env(tmp_path)
    env.install(package)
    migrated = env.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    return env, package / "src/monopilot_integrations/connectors/parcels"


def revision(env: ConnectorEnv, *args: str) -> Path:
    result = env.cli("migrations", "revision", "--plugin", "parcels", *args)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def test_revisions_follow_the_branch_head_and_autogenerate_sees_only_the_plugins_tables(
    parcels: tuple[ConnectorEnv, Path],
) -> None:
    env, source = parcels

    empty = revision(env, "-m", "tidy up")
    assert empty == source / "migrations/parcels_0002_tidy_up.py"
    text = empty.read_text()
    assert "revision = 'parcels_0002'" in text
    assert "down_revision = 'parcels_0001'" in text
    assert "branch_labels = None" in text  # the label stays on the branch's first revision
    migrated = env.cli("migrate")
    assert "parcels_0002" in migrated.stdout, migrated.stderr

    tables = source / "tables.py"
    tables.write_text(
        tables.read_text().replace(
            "    created_at: Mapped[datetime] = mapped_column()\n",
            "    created_at: Mapped[datetime] = mapped_column()\n"
            "    note: Mapped[str | None] = mapped_column(String(200))\n",
        )
    )
    generated = revision(env, "-m", "a note per delivery", "--autogenerate")
    text = generated.read_text()
    assert generated.parent == source / "migrations"
    assert "down_revision = 'parcels_0002'" in text
    assert "add_column(sa.Column('note', sa.String(length=200), nullable=True))" in text
    assert "drop_column('note')" in text
    assert text.count("batch_alter_table(") == 2  # only the plugin's own table, both ways
    migrated = env.cli("migrate")
    assert "parcels_0003" in migrated.stdout, migrated.stderr


def test_autogenerate_needs_a_migrated_database(parcels: tuple[ConnectorEnv, Path]) -> None:
    env, source = parcels
    revision(env, "-m", "not applied yet")
    result = env.cli("migrations", "revision", "--plugin", "parcels", "-m", "x", "--autogenerate")
    assert result.returncode == 1
    assert "run `monopilot-integrations migrate` first" in result.stderr
    assert sorted(p.name for p in (source / "migrations").glob("*.py")) == [
        "parcels_0001_first_table.py",
        "parcels_0002_not_applied_yet.py",
    ]


def test_a_plugin_without_a_branch_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrations", "revision", "--plugin", "nosuch", "-m", "x"]) == 1
    error = capsys.readouterr().err
    assert "plugin 'nosuch' registers no migration branch" in error
    assert "webhooks" in error  # the plugins that have one


async def test_the_first_revision_of_an_empty_branch_starts_it(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    plugin = types.ModuleType("throwaway")
    plugin.register_migrations = hookimpl(  # type: ignore[attr-defined]
        lambda register: register(MigrationBranch("throwaway", versions))
    )
    plugins = PluginManager(load_entry_points=False)
    plugins.register(plugin, "throwaway")

    path = await create_revision(Registry(plugins), "throwaway", "first tables")

    assert path == versions / "throwaway_0001_first_tables.py"
    text = path.read_text()
    assert "down_revision = None" in text
    assert "branch_labels = ('throwaway',)" in text
    assert f"depends_on = {core_base_revision()!r}" in text  # it builds on core's schema
