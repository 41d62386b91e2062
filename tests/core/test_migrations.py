"""Migrations: every installed branch upgrades, and the result matches the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import monopilot_integrations.core.domain.tables
import monopilot_integrations.core.tables  # noqa: F401
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.plugins import PluginManager
from monopilot_integrations.core.registry import Registry
from tests.support.examples import requires_acme


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    registry = Registry(PluginManager())
    _ = registry.connectors  # imports every plugin's tables into the metadata
    engine = create_async_engine(database_url)

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    await engine.dispose()
    assert differences == []


@requires_acme
async def test_every_installed_branch_is_at_its_head(database_url: str) -> None:
    registry = Registry(PluginManager())
    assert await migrate.missing_heads(database_url, registry) == []
    assert {"core_0002", "acme_0001"} <= set(migrate.pending_heads(registry))


async def test_an_empty_database_misses_every_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    registry = Registry(PluginManager())
    assert await migrate.missing_heads(url, registry) == migrate.pending_heads(registry)


async def test_upgrading_twice_is_a_no_op(database_url: str) -> None:
    registry = Registry(PluginManager())
    before = await migrate.current(database_url)
    assert await migrate.upgrade(database_url, registry) == before


async def test_a_new_sqlite_file_is_in_wal_mode_and_servers_racing_to_open_it_all_connect(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    import sqlite3

    from monopilot_integrations.core.db.database import Database

    migrated = tmp_path / "migrated.db"
    await migrate.upgrade(f"sqlite+aiosqlite:///{migrated}", Registry(PluginManager()))
    assert sqlite3.connect(migrated).execute("PRAGMA journal_mode").fetchone() == ("wal",)

    fresh = tmp_path / "fresh.db"
    sqlite3.connect(fresh).execute("CREATE TABLE t (x)").connection.close()  # rollback journal
    databases = [Database(f"sqlite+aiosqlite:///{fresh}") for _ in range(4)]
    try:
        await asyncio.gather(*(database.ping() for database in databases))
    finally:
        for database in databases:
            await database.dispose()
    assert sqlite3.connect(fresh).execute("PRAGMA journal_mode").fetchone() == ("wal",)
