"""Batched inserts of log rows: many rows in one statement execution.

The background flush of :class:`~.writer.LogWriter` inserts a row per API request, in
batches. Everywhere the batch is one SQLAlchemy Core ``execute(insert(table), rows)``
(the driver's ``executemany``), with one exception: on PostgreSQL through asyncpg, a
batch the connecting role writes goes through asyncpg's binary ``COPY``
(``copy_records_to_table``), which costs the database a fraction of one INSERT execution
per row. The values are prepared by the columns' own bind processors, as SQLAlchemy
prepares them for an INSERT. ``COPY FROM`` is refused on a table whose row-level security
applies to the role: a tenant's session passes ``copy=False``; the log flush runs as the
connecting role, which the kernel requires to bypass row-level security.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from monopilot_integrations.core.db.types import JSONText

__all__ = ["BulkInsert", "JSONText"]

#: A column's key and its bind processor for one dialect (None: the value as it is).
Prepared = tuple[tuple[str, Callable[[Any], Any] | None], ...]


class BulkInsert:
    """Inserts dict rows (keyed by column) into ``table`` on a connection."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._statement = insert(table)
        self._prepared: dict[str, Prepared] = {}

    async def execute(
        self, connection: AsyncConnection, rows: Sequence[dict[str, Any]], *, copy: bool = True
    ) -> None:
        """Insert ``rows`` on ``connection`` (in its transaction). ``copy=False`` where the
        connection may be subject to row-level security (a tenant session): PostgreSQL
        refuses ``COPY FROM`` there, and ``executemany`` is used instead."""
        if not rows:
            return
        dialect = connection.dialect
        if copy and dialect.name == "postgresql" and dialect.driver == "asyncpg":
            await self._copy_records(connection, rows)
        else:
            await connection.execute(self._statement, list(rows))

    async def _copy_records(
        self, connection: AsyncConnection, rows: Sequence[dict[str, Any]]
    ) -> None:
        import asyncpg

        prepared = self._prepare(connection.dialect)
        records = [
            tuple(row[key] if bind is None else bind(row[key]) for key, bind in prepared)
            for row in rows
        ]
        raw = await connection.get_raw_connection()
        try:
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                self.table.name,
                records=records,
                columns=[key for key, _ in prepared],
                schema_name=self.table.schema,
            )
        except asyncpg.IntegrityConstraintViolationError as exc:  # as SQLAlchemy would say
            raise sa_exc.IntegrityError(f"COPY {self.table.name}", None, exc) from exc
        except asyncpg.DataError as exc:
            raise sa_exc.DataError(f"COPY {self.table.name}", None, exc) from exc

    def _prepare(self, dialect: Dialect) -> Prepared:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            prepared = self._prepared[dialect.name] = tuple(
                (column.key, column.type.dialect_impl(dialect).bind_processor(dialect))
                for column in self.table.columns
            )
        return prepared
