"""Migrations: every installed branch upgrades, and the result matches the models; with
MonoPilot's own store and the reference store's plugin blocked, no reference table exists."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import monopilot_integrations.core.db.tables  # noqa: F401  (the kernel's tables, into the metadata)
import monopilot_integrations.domain.tables as reference_tables
from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from tests.support import services
from tests.support.examples import requires_acme


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    registry = Registry(PluginManager())
    # Every plugin's tables into the metadata: they come with its connectors or its routes.
    _ = registry.connectors, registry.routes, registry.job_handlers
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
    assert {"core_0006_event_channels", "domain_0006_invoice_corrections", "acme_0001"} <= set(
        migrate.pending_heads(registry)
    )


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


# --- MonoPilot's own store -------------------------------------------------------------

REFERENCE_TABLES = {
    mapped.__table__.name
    for mapped in vars(reference_tables).values()
    if isinstance(mapped, type) and issubclass(mapped, Base) and hasattr(mapped, "__table__")
}


class MonoPilotStore:
    """Stands in for MonoPilot's own store, which lives in MonoPilot's database."""


class MonoPilotPlugin:
    def __init__(self) -> None:
        self.store = MonoPilotStore()

    @hookimpl
    def provide_domain_store(self) -> Any:
        return self.store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'monopilot.db'}"
        return
    admin_url = services.need("postgres", services.POSTGRES_URL)
    name = f"mp_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_with_monopilots_own_store_no_reference_table_is_created_and_the_kernel_starts(
    empty_database_url: str, tmp_path: Path
) -> None:
    assert {"organizations", "products", "sales_orders", "invoice_lines"} <= REFERENCE_TABLES
    plugins = PluginManager(block={"domain"})
    monopilot = MonoPilotPlugin()
    plugins.register(monopilot, "monopilot")
    registry = Registry(plugins)
    assert "domain" not in registry.migrations
    assert "seed" not in registry.cli_commands

    heads = await migrate.upgrade(empty_database_url, registry)

    assert "domain_0001" not in heads
    tables = await table_names(empty_database_url)
    assert tables & REFERENCE_TABLES == set()
    assert {"integration_api_keys", "integration_jobs", "integration_webhooks"} <= tables
    assert await migrate.missing_heads(empty_database_url, registry) == []

    settings = Settings(
        database_url=empty_database_url,
        data_dir=tmp_path / "data",
        embedded_worker=False,
        environment="test",
    )
    kernel = await Kernel.start(settings, plugins=plugins)
    try:
        assert kernel.domain is monopilot.store
        # The kernel's tables need no reference table: an organisation that only MonoPilot
        # knows gets an API key.
        org_id = uuid.uuid4()
        key, _ = await kernel.api_keys.create(org_id, name="erp", scopes=["read:products"])
        assert (await kernel.api_keys.get(org_id, key.id)).name == "erp"
    finally:
        await kernel.close()
