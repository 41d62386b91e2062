"""SQLite transactions of one process take turns in a queue instead of polling for the lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.sqlite_writer import TransactionQueue, queue_for


async def test_turns_are_handed_over_in_order() -> None:
    queue = TransactionQueue(timeout=5)
    order: list[int] = []
    await queue.acquire()

    async def take(n: int) -> None:
        await queue.acquire()
        order.append(n)
        queue.release()

    waiters = [asyncio.create_task(take(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    assert order == []  # all wait for the first holder
    queue.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3, 4]
    await queue.acquire()  # free again
    queue.release()


async def test_a_waiter_that_gives_up_passes_its_turn_on() -> None:
    queue = TransactionQueue(timeout=5)
    await queue.acquire()
    quitter = asyncio.create_task(queue.acquire())
    await asyncio.sleep(0.01)
    patient = asyncio.create_task(queue.acquire())
    await asyncio.sleep(0.01)
    queue.release()  # handed to the quitter, which is cancelled before it runs
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    await asyncio.wait_for(patient, 1)  # the turn went on to the next one
    queue.release()


async def test_waiting_too_long_is_database_is_locked() -> None:
    queue = TransactionQueue(timeout=0.05)
    await queue.acquire()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        await queue.acquire()
    queue.release()
    await asyncio.wait_for(queue.acquire(), 1)  # the one that timed out left no trace
    queue.release()


def test_turns_cross_event_loops_and_threads() -> None:
    queue = TransactionQueue(timeout=5)
    inside = 0
    overlaps: list[int] = []

    async def work() -> None:
        nonlocal inside
        for _ in range(200):
            await queue.acquire()
            inside += 1
            if inside != 1:
                overlaps.append(inside)
            await asyncio.sleep(0)
            inside -= 1
            queue.release()

    threads = [threading.Thread(target=asyncio.run, args=(work(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert overlaps == []


def test_two_loops_write_one_file_without_polling(tmp_path: Path) -> None:
    """Two event loops (the server's and the worker's) with their own engines on one file:
    every transaction gets the lock from the queue, none waits on SQLite's busy handler."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}"
    queue = queue_for(str((tmp_path / "turns.db").resolve()), timeout=30)
    handed: list[int] = []
    original = queue.acquire

    async def counting_acquire() -> None:
        await original()
        handed.append(1)

    queue.acquire = counting_acquire  # type: ignore[method-assign]

    async def setup() -> None:
        database = Database(url)
        assert database.writer_turns is queue
        async with database.transaction() as conn:
            await conn.execute(text("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)"))
        await database.dispose()

    asyncio.run(setup())
    errors: list[BaseException] = []

    async def writer(name: str) -> None:
        database = Database(url)
        try:
            for n in range(50):
                opened = database.system_session() if n % 2 else database.session(uuid.uuid4())
                async with opened as session:
                    await session.execute(
                        text("INSERT INTO t VALUES (:id, :n)"),
                        {"id": f"{name}-{uuid.uuid4()}", "n": n},
                    )
                    await asyncio.sleep(0)  # hold the transaction across a loop turn
        except BaseException as exc:
            errors.append(exc)
        finally:
            await database.dispose()

    threads = [threading.Thread(target=asyncio.run, args=(writer(f"w{i}"),)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(handed) == 101  # every transaction went through the queue

    async def count() -> int:
        database = Database(url)
        async with database.transaction() as conn:
            value = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        await database.dispose()
        return int(value)

    assert asyncio.run(count()) == 100
    assert queue.idle  # every turn given back


def test_a_waiter_whose_loop_is_gone_is_skipped() -> None:
    """A turn is never handed to a closed event loop (it would be lost with it)."""
    queue = TransactionQueue(timeout=30)
    ready = threading.Event()

    async def hold() -> None:
        await queue.acquire()

    asyncio.run(hold())  # held by a loop that is already gone
    loop = asyncio.new_event_loop()

    def wait_there() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_until_complete(asyncio.sleep(0.05))  # a waiter parks on this loop ...

    waiter = loop.create_task(queue.acquire())
    thread = threading.Thread(target=wait_there)
    thread.start()
    thread.join(10)
    assert ready.is_set() and not waiter.done()
    loop.close()  # ... and its loop closes without it ever running again
    queue.release()
    assert queue.idle

    async def again() -> None:
        await asyncio.wait_for(queue.acquire(), 1)
        queue.release()

    asyncio.run(again())


async def test_a_session_holds_the_turn_until_it_is_over(tmp_path: Path) -> None:
    """The turn is taken before the transaction begins and given back once it has been
    committed or rolled back, whatever ended it."""
    path = tmp_path / "held.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    queue = database.writer_turns
    assert queue is not None
    try:
        async with database.transaction() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        order: list[str] = []

        async def second() -> None:
            async with database.session(uuid.uuid4()) as session:
                order.append("second")
                await session.execute(text("INSERT INTO t VALUES (2)"))

        async with database.system_session() as session:
            assert not queue.idle  # held before any statement
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.01)
            await session.execute(text("INSERT INTO t VALUES (1)"))
            order.append("first")
        await asyncio.wait_for(waiting, 5)
        assert order == ["first", "second"]

        with pytest.raises(RuntimeError):
            async with database.session(uuid.uuid4()) as session:
                await session.execute(text("INSERT INTO t VALUES (3)"))
                raise RuntimeError("the caller failed")
        assert queue.idle

        with pytest.raises(sa_exc.PendingRollbackError):  # no commit on a dead connection
            async with database.transaction() as conn:
                assert not queue.idle
                await conn.execute(text("INSERT INTO t VALUES (4)"))
                await conn.invalidate()  # e.g. the driver failed under it
        assert queue.idle

        async with database.system_session() as session:
            blocked = asyncio.create_task(second())
            await asyncio.sleep(0.01)
            blocked.cancel()  # a caller cancelled while it waits for its turn
            with pytest.raises(asyncio.CancelledError):
                await blocked
        assert queue.idle
        async with database.transaction() as conn:
            rows = (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
        assert rows == [1, 2]  # the failed one rolled back, the invalidated one never ran
    finally:
        await database.dispose()


async def test_waiting_too_long_for_a_turn_is_sqlalchemys_operational_error(
    tmp_path: Path,
) -> None:
    """A second transaction opened while the first is still open in the same task waits
    for its turn and fails as SQLite's busy timeout made it fail, with the same error."""
    path = tmp_path / "nested.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    queue = database.writer_turns
    assert queue is not None
    queue.timeout = 0.2
    try:
        async with database.system_session() as outer:
            await outer.execute(text("SELECT 1"))
            with pytest.raises(sa_exc.OperationalError, match="database is locked"):
                async with database.transaction() as inner:
                    await inner.execute(text("SELECT 1"))
        async with database.session(uuid.uuid4()) as session:  # and the queue is free again
            await asyncio.wait_for(session.execute(text("SELECT 1")), 5)
        assert queue.idle
    finally:
        queue.timeout = 30
        await database.dispose()


async def test_an_in_memory_database_has_no_queue() -> None:
    database = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert database.writer_turns is None
        async with database.system_session() as session:
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await database.dispose()
