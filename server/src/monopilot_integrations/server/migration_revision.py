"""``monopilot-integrations migrations revision --plugin NAME``: a new revision on the
plugin's own Alembic branch.

Each plugin registers a branch (``register_migrations``): a label and a folder. A new
revision goes into that folder, revises the branch's head, and is numbered like the rest
(``<label>_0002_<slug>.py``); the first revision of an empty branch starts it (the branch
label, and a dependency on core's schema). With ``--autogenerate`` Alembic compares the
plugin's models with a database migrated to every head, and only the plugin's own tables
are kept in the result: another plugin's drift never lands in this branch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.db.migrate import alembic_config
from monopilot_integrations.core.db.tenancy import tenant_role_var
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.plugins.registration import MigrationBranch
from monopilot_integrations.core.plugins.registry import Registry


def plugin_branch(registry: Registry, plugin: str, label: str | None = None) -> MigrationBranch:
    """The migration branch ``plugin`` registered (``label`` picks one of several)."""
    owned = {
        str(key): branch
        for key, branch in registry.migrations.items()
        if registry.migrations.plugin_of(key) == plugin
    }
    if label is not None and label in owned:
        return owned[label]
    if label is None and len(owned) == 1:
        return next(iter(owned.values()))
    if not owned:
        known = sorted({registry.migrations.plugin_of(k) for k in registry.migrations})
        raise ConfigError(
            f"plugin {plugin!r} registers no migration branch "
            f"(plugins with one: {', '.join(known) or 'none'})"
        )
    raise ConfigError(
        f"plugin {plugin!r} registers the branches {', '.join(sorted(owned))}: name one "
        "with --branch"
    )


async def create_revision(
    registry: Registry,
    plugin: str,
    message: str,
    *,
    label: str | None = None,
    autogenerate: bool = False,
    database_url: str | None = None,
    tenant_role: str = "monopilot_tenant",
) -> Path:
    """Write the revision file and return its path."""
    branch = plugin_branch(registry, plugin, label)
    config = alembic_config(registry)
    script = ScriptDirectory.from_config(config)
    mine = [r for r in script.walk_revisions() if _folder(r) == branch.versions.resolve()]
    options: dict[str, Any] = {
        "message": message,
        "version_path": str(branch.versions),
        "rev_id": _next_id(branch.label, mine, script),
    }
    if mine:
        options["head"] = f"{branch.label}@head"
    else:
        options.update(head="base", branch_label=branch.label, depends_on=core_base_revision())
    if not autogenerate:
        return _written(command.revision(config, **options))
    if database_url is None:
        raise ConfigError("--autogenerate compares with a database: none is configured")
    tables = plugin_tables(registry, plugin)
    options.update(autogenerate=True, process_revision_directives=_keep_only(tables))
    engine = create_async_engine(database_url)
    token = tenant_role_var.set(tenant_role)
    try:
        async with engine.connect() as conn:
            written = await conn.run_sync(_revise, config, options)
    finally:
        tenant_role_var.reset(token)
        await engine.dispose()
    return _written(written)


def core_base_revision() -> str:
    """The first revision of core's branch: every plugin branch depends on it."""
    (base,) = ScriptDirectory.from_config(alembic_config()).get_bases()
    return str(base)


def plugin_tables(registry: Registry, plugin: str) -> set[str]:
    """Tables of the ORM models defined in the plugin's package."""
    (info,) = [p for p in registry.plugins.plugins() if p.name == plugin]
    package = info.module.rpartition(".")[0] or info.module
    return {
        mapper.local_table.name  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
        if mapper.class_.__module__.startswith(package + ".")
    }


def _revise(connection: Connection, config: Any, options: dict[str, Any]) -> Any:
    config.attributes["connection"] = connection
    current = set(MigrationContext.configure(connection).get_current_heads())
    expected = set(ScriptDirectory.from_config(config).get_heads())
    if not expected <= _with_ancestors(config, current):
        raise ConfigError(
            "--autogenerate compares with a database at every head: run "
            "`monopilot-integrations migrate` first"
        )
    try:
        return command.revision(config, **options)
    except CommandError as exc:
        raise ConfigError(str(exc)) from exc


def _with_ancestors(config: Any, heads: set[str]) -> set[str]:
    script = ScriptDirectory.from_config(config)
    return {r.revision for r in script.iterate_revisions(tuple(heads), "base") if r is not None}


def _keep_only(tables: set[str]) -> Any:
    def process(context: Any, revision: Any, directives: list[Any]) -> None:
        for migration in directives:
            for container in (migration.upgrade_ops, migration.downgrade_ops):
                container.ops = [op for op in container.ops if _table_of(op) in tables]

    return process


def _table_of(op: ops.MigrateOperation) -> str | None:
    name = getattr(op, "table_name", None)
    return name if isinstance(name, str) else None


def _folder(revision: Script) -> Path:
    return Path(revision.path).parent.resolve()


def _next_id(label: str, mine: list[Script], script: ScriptDirectory) -> str | None:
    """``<label>_<n+1>`` after the branch's highest ``<label>_<n>``; None lets Alembic
    pick one when the branch does not follow the numbering."""
    pattern = re.compile(rf"^{re.escape(label)}_(\d+)$")
    numbers = [int(m.group(1)) for r in mine if (m := pattern.match(r.revision))]
    if len(numbers) != len(mine):
        return None
    candidate = f"{label}_{max(numbers, default=0) + 1:04d}"
    taken = {r.revision for r in script.walk_revisions()}
    return None if candidate in taken else candidate


def _written(result: Any) -> Path:
    scripts = result if isinstance(result, list) else [result]
    (written,) = [s for s in scripts if s is not None]
    return Path(written.path)
