"""SQLite statements in one trip to aiosqlite's thread (``core/db/sqlite_trips.py``): the
results SQLAlchemy reads are those of its own cursor, errors are translated the same way,
and only the kernel's engines are switched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.sqlite_trips import OneTripConnection


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield db
    await db.dispose()


async def test_the_kernels_connections_make_one_trip_per_statement(database: Database) -> None:
    async with database.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).dbapi_connection
        assert isinstance(raw, OneTripConnection)
        aio = raw._connection
        trips = 0
        execute = aio._execute

        async def counted(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal trips
            trips += 1
            return await execute(fn, *args, **kwargs)

        aio._execute = counted
        try:
            rows = (await conn.execute(text("SELECT 1 AS one, 'x' AS two"))).all()
            assert trips == 2  # BEGIN IMMEDIATE (the kernel's begin event), then the SELECT
            rows += (await conn.execute(text("SELECT 2, 'y'"))).all()
        finally:
            aio._execute = execute
        assert rows == [(1, "x"), (2, "y")]
        assert trips == 3  # SQLAlchemy's own cursor: cursor, execute, fetchall, close


async def test_the_pool_rolls_back_only_what_may_be_open(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiosqlite.core

    sent: list[str] = []
    execute = aiosqlite.core.Connection._execute

    async def spy(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(fn.__name__ if fn.__name__ != "_execute" else str(args[1]).split()[0])
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", spy)
    async with database.engine.begin() as conn:  # committed: no rollback trip after it
        await conn.execute(text("SELECT 1"))
    assert sent == ["BEGIN", "SELECT", "commit"]
    sent.clear()
    with pytest.raises(RuntimeError):
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('gone')"))
            raise RuntimeError("the caller failed")
    assert sent == ["BEGIN", "INSERT", "rollback"]
    sent.clear()
    async with database.engine.connect() as conn:  # never committed: rolled back on return
        await conn.execute(text("INSERT INTO t (name) VALUES ('also gone')"))
    assert sent == ["BEGIN", "INSERT", "rollback"]
    async with database.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_results_are_what_sqlalchemy_reads_from_its_own_cursor(database: Database) -> None:
    async with database.engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1 and inserted.rowcount == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        returned = await conn.execute(
            text("UPDATE t SET name = upper(name) WHERE id <= 2 RETURNING id, name")
        )
        assert sorted(returned.all()) == [(1, "A"), (2, "B!")]
        result = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert result.fetchone() == (1, "A")
        assert result.fetchmany(5) == [(2, "B!"), (3, "c!")]
        assert (await conn.execute(text("DELETE FROM t WHERE id = 99"))).rowcount == 0


async def test_errors_are_translated_as_before(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('dup')"))
    with pytest.raises(sa_exc.IntegrityError, match="UNIQUE constraint failed"):
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('dup')"))
    with pytest.raises(sa_exc.OperationalError, match="no such table"):
        async with database.engine.begin() as conn:
            await conn.execute(text("SELECT * FROM missing"))
    async with database.engine.begin() as conn:  # the connection is usable after both
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def test_other_engines_keep_sqlalchemys_cursor(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        async with engine.connect() as conn:
            raw = (await conn.get_raw_connection()).dbapi_connection
            assert not isinstance(raw, OneTripConnection)
            assert (await conn.execute(text("SELECT 2"))).scalar() == 2
    finally:
        await engine.dispose()
