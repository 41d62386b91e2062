"""Batched inserts of log rows straight through the database driver.

The background flush of :class:`~.writer.LogWriter` inserts a row per API request. Through
SQLAlchemy's ``execute(insert(table), rows)``, every row of every batch goes through
parameter construction and one bind processor per typed column (UUIDs, timestamps, JSON):
on the API path that cost more CPU than the database's own insert. The rows here are plain
values whose types are known in advance, so this module compiles the INSERT once per
dialect and converts each row to a tuple with one small function per column, then hands
the whole batch to the driver: on SQLite its ``executemany`` (``Connection.exec_driver_sql``),
on PostgreSQL asyncpg's binary ``COPY`` (``copy_records_to_table``), which costs the
database a fraction of what one INSERT execution per row does, and asyncpg encodes the rows
in C. ``COPY FROM`` is refused on a table whose row-level security applies to the role; the
log flush runs as the connecting role, which the kernel requires to bypass it.

The conversions reproduce what the column types store (a test compares rows written both
ways): on SQLite a UUID is its 32 hex digits, a timestamp the naive UTC text
``YYYY-MM-DD HH:MM:SS.ffffff`` that SQLAlchemy writes and compares, JSON its text; on
PostgreSQL asyncpg takes UUIDs and aware datetimes as they are, and JSON as text.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, Uuid
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from monopilot_integrations.core.db.types import UTCDateTime

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


#: The last timestamp converted and its text: a log row's ``timestamp`` and ``created_at``
#: are usually the same object, and formatting is most of a row's conversion on SQLite.
#: One tuple, replaced whole, so loops in other threads never see half an update.
_last_datetime: tuple[datetime | None, str] = (None, "")


def _sqlite_datetime(value: datetime | None) -> str | None:
    global _last_datetime
    if value is None:
        return None
    last, text = _last_datetime
    if value is last:
        return text
    if value.tzinfo is UTC:
        # The offset comes after the 26 characters SQLite stores ("+00:00" here).
        text = value.isoformat(" ", "microseconds")[:26]
    elif value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
    else:
        text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    _last_datetime = (value, text)
    return text


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
    return value


class JSONText(str):
    """A JSON document already serialized (the log writer serializes a masked body once,
    to measure it; inserting it must not serialize it again)."""

    __slots__ = ()


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is JSONText:
        return value
    return json.dumps(value)


def json_value(value: Any) -> Any:
    """A column value as SQLAlchemy's JSON type takes it: :class:`JSONText` parsed back."""
    return json.loads(value) if type(value) is JSONText else value


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for one dialect, fed with dict rows."""

    SUPPORTED = ("sqlite", "postgresql")

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        if dialect.name not in self.SUPPORTED:
            raise ValueError(f"no bulk insert for dialect {dialect.name!r}")
        compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
        order = compiled.positiontup
        if order is None:
            raise ValueError(f"dialect {dialect.name!r} does not use positional parameters")
        self.sql = str(compiled)
        self.keys: tuple[str, ...] = tuple(order)
        self.converters: tuple[Convert, ...] = tuple(
            _converter(table.c[key].type, dialect.name) for key in self.keys
        )
        self._to_tuple = _tuple_builder(self.keys, self.converters)
        self.table = table.name
        self._copy = dialect.name == "postgresql" and dialect.driver == "asyncpg"
        self._values = _MultiRowInsert(table.name, self.keys) if dialect.name == "sqlite" else None

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        to_tuple = self._to_tuple
        return [to_tuple(row) for row in rows]

    async def execute(
        self, connection: AsyncConnection, rows: Sequence[dict[str, Any]], *, copy: bool = True
    ) -> None:
        """Insert ``rows`` on ``connection`` (in its transaction). ``copy=False`` where the
        connection may be subject to row-level security (a tenant session): PostgreSQL
        refuses ``COPY FROM`` there, and ``executemany`` is used instead."""
        if self._copy and copy:
            await self._copy_records(connection, self.parameters(rows))
        elif self._values is not None and len(rows) > 1:
            for sql, values in self._values.statements(self.parameters(rows)):
                await connection.exec_driver_sql(sql, values)
        else:
            await connection.exec_driver_sql(self.sql, self.parameters(rows))

    async def _copy_records(
        self, connection: AsyncConnection, records: list[tuple[Any, ...]]
    ) -> None:
        import asyncpg

        raw = await connection.get_raw_connection()
        try:
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                self.table, records=records, columns=self.keys
            )
        except asyncpg.IntegrityConstraintViolationError as exc:  # as SQLAlchemy would say
            raise sa_exc.IntegrityError(f"COPY {self.table}", None, exc) from exc
        except asyncpg.DataError as exc:
            raise sa_exc.DataError(f"COPY {self.table}", None, exc) from exc


def _sqlite_variable_limit() -> int:
    """How many parameters one statement may bind in this build of SQLite (32766 by
    default since 3.32, 999 before; a build may set its own)."""
    probe = sqlite3.connect(":memory:")
    try:
        return int(probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # getlimit is new in Python 3.11
        return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
    finally:
        probe.close()


class _MultiRowInsert:
    """``INSERT ... VALUES (...), (...), ...``: many rows per statement, for SQLite.

    ``executemany`` steps the statement once per row, and Python's sqlite3 module lets go
    of the GIL and takes it back around every step: while the event loop is busy, each
    take-back waits for the loop thread to yield it, so a batch of 500 rows took whole
    seconds under load and the loop kept being interrupted for it. One statement with
    every row's values is one step (SQLite inserts the rows with the GIL released once),
    and its parameters are bound in C: less CPU per row than ``executemany`` too.
    """

    def __init__(self, table: str, keys: Sequence[str]) -> None:
        self.head = f"INSERT INTO {table} ({', '.join(keys)}) VALUES "
        self.row = "(" + ", ".join("?" * len(keys)) + ")"
        self.columns = len(keys)
        limit = _sqlite_variable_limit()
        self.max_rows = max(1, min(500, limit // self.columns))
        self._sql: dict[int, str] = {}

    def statements(self, records: list[tuple[Any, ...]]) -> list[tuple[str, tuple[Any, ...]]]:
        out = []
        for start in range(0, len(records), self.max_rows):
            part = records[start : start + self.max_rows]
            sql = self._sql.get(len(part))
            if sql is None:
                if len(self._sql) >= 64:
                    self._sql.clear()
                sql = self._sql[len(part)] = self.head + ", ".join([self.row] * len(part))
            out.append((sql, tuple(itertools.chain.from_iterable(part))))
        return out


def _tuple_builder(
    keys: Sequence[str], converters: Sequence[Convert]
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """One function that builds a row's tuple in a single expression.

    Built from the table's own column keys (never from input), it spares a generator and a
    call per plain column on every row of every batch.
    """
    namespace: dict[str, Any] = {}
    parts = []
    for index, (key, convert) in enumerate(zip(keys, converters, strict=True)):
        item = f"row[{key!r}]"
        if convert is _same:
            parts.append(item)
        else:
            namespace[f"c{index}"] = convert
            parts.append(f"c{index}({item})")
    source = f"def to_tuple(row):\n    return ({', '.join(parts)},)\n"
    exec(compile(source, "<bulk insert row>", "exec"), namespace)  # noqa: S102
    builder: Callable[[dict[str, Any]], tuple[Any, ...]] = namespace["to_tuple"]
    return builder


def _converter(column_type: Any, dialect: str) -> Convert:
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime if dialect == "sqlite" else _aware
    if isinstance(column_type, Uuid):
        return _uuid_hex if dialect == "sqlite" else _same
    if isinstance(column_type, JSON):
        return _json_text
    return _same
