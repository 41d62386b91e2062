"""Upgrade the database: core's migrations and every installed plugin's branch.

``monopilot-integrations migrate`` calls :func:`upgrade`. Each plugin contributes an Alembic
branch through ``register_migrations``; all branches are upgraded to their heads
(``alembic upgrade heads``), so installing a connector and migrating is all it takes.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db.database import ensure_sqlite_folder
from monopilot_integrations.core.db.roles import DEFAULT_TENANT_ROLE
from monopilot_integrations.core.db.tenancy import (
    ensure_tenant_login,
    tenant_password_var,
    tenant_role_var,
)
from monopilot_integrations.core.plugins.registry import Registry

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
CORE_VERSIONS = MIGRATIONS_DIR / "versions"


def alembic_config(registry: Registry | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    locations = [CORE_VERSIONS]
    if registry is not None:
        locations += [branch.versions for branch in registry.migrations.values()]
    import os

    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return config


async def upgrade(
    url: str,
    registry: Registry | None = None,
    *,
    tenant_role: str = DEFAULT_TENANT_ROLE,
    tenant_password: str | None = None,
    revision: str = "heads",
) -> list[str]:
    """Upgrade to ``revision`` (default: every branch's head); returns the heads now applied.

    On PostgreSQL the tenant role is made ready on every run, not only by the first
    revision: a changed ``tenant_password`` is set, and a role altered since (BYPASSRLS,
    a membership) is refused before anything uses it.
    """
    config = alembic_config(registry)
    ensure_sqlite_folder(url)
    engine = create_async_engine(url)
    token = tenant_role_var.set(tenant_role)
    password_token = tenant_password_var.set(tenant_password)
    try:
        if engine.dialect.name == "sqlite":
            # WAL belongs to the file: set it once here, while nothing else has it open,
            # rather than by the first of several servers starting on it.
            async with engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, config, revision)
            if engine.dialect.name == "postgresql":
                await conn.run_sync(ensure_tenant_login, tenant_role, tenant_password)
        async with engine.connect() as conn:
            return await conn.run_sync(_current_heads)
    finally:
        tenant_password_var.reset(password_token)
        tenant_role_var.reset(token)
        await engine.dispose()


async def current(url: str) -> list[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current_heads)
    finally:
        await engine.dispose()


def pending_heads(registry: Registry | None = None) -> list[str]:
    """Every head revision of the installed branches (what ``upgrade`` leads to)."""
    return sorted(ScriptDirectory.from_config(alembic_config(registry)).get_heads())


async def missing_heads(url: str, registry: Registry | None = None) -> list[str]:
    """Head revisions of installed branches that the database has not reached yet.

    A branch that depends on another (every plugin branch depends on core) makes the other's
    head an ancestor, so ``alembic_version`` may list fewer rows than there are heads.
    """
    script = ScriptDirectory.from_config(alembic_config(registry))
    applied: set[str] = set()
    current_heads = await current(url)
    if current_heads:
        for rev in script.iterate_revisions(tuple(current_heads), "base"):
            if rev is not None:
                applied.add(rev.revision)
    return sorted(set(script.get_heads()) - applied)


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current_heads(connection: Connection) -> list[str]:
    return sorted(MigrationContext.configure(connection).get_current_heads())
