"""``INSERT ... ON CONFLICT DO NOTHING``: claim a unique key in one statement.

The file and interchange keys decide whether bytes were seen before. Inserting and
letting the unique constraint answer is one round trip and race-free (two pollers, two
processes): the loser's insert simply does nothing. A savepoint around a plain insert
would do the same in three statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy import insert as generic_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.db.base import Base


async def insert_if_new(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert ``values`` into ``model``'s table; ``False`` when a unique key was taken."""
    table = model.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(**values).on_conflict_do_nothing()
        inserted = await session.scalar(statement.returning(table.c.id))
        return inserted is not None
    try:  # other databases: the portable (slower) way
        async with session.begin_nested():
            await session.execute(generic_insert(table).values(**values))
    except IntegrityError:
        return False
    return True
