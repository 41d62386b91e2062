"""Bring a test database to the current schema, and empty it between tests."""

from __future__ import annotations

from sqlalchemy import text

from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry


async def prepare_schema(url: str) -> None:
    """Run the real migrations: core's and every installed plugin's branch."""
    await migrate.upgrade(url, Registry(PluginManager()))


async def truncate_all(db: Database) -> None:
    async with db.engine.begin() as conn:
        rows = await conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        )
        names = [r[0] for r in rows]
        if names:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
