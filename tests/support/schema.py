"""Bring a test database to the current schema, and empty it between tests."""

from __future__ import annotations

from sqlalchemy import text

from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.db.database import Database


async def prepare_schema(url: str) -> None:
    """Create the schema. Temporary: replaced by the real migrations."""
    import monopilot_integrations.core.tables  # noqa: F401  (registers the tables)

    try:
        import monopilot_integrations.core.domain.tables  # noqa: F401
    except ImportError:
        pass
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await db.dispose()


async def truncate_all(db: Database) -> None:
    async with db.engine.begin() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                 "AND tablename <> 'alembic_version'")
        )
        names = [r[0] for r in rows]
        if names:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
