"""SQLite statements in one trip to aiosqlite's thread instead of four.

aiosqlite runs every call on a thread of its own: the event loop puts the call on a queue,
the thread runs it and wakes the loop through its self-pipe. SQLAlchemy's aiosqlite
adapter makes four such calls per statement (open a cursor, execute, fetch the rows, close
the cursor), and a transaction is a ``BEGIN``, its statements and a ``COMMIT``: nine trips
for a one-statement transaction, ~0.8 ms of the event loop's CPU on the reference machine
(the queue hand-off, a future, the self-pipe wake-up, and the interpreter lock changing
hands twice, each time). A ``publish`` is such a transaction, and so are the dispatcher's
and the job engine's small ones.

:class:`OneTripCursor` does the four steps as one function on aiosqlite's thread, with
sqlite3's own cursor, and keeps what SQLAlchemy reads afterwards (the rows, ``description``,
``rowcount``, ``lastrowid``). Errors are sqlite3's, translated by the adapter as before.
:func:`adopt` switches one connection of an engine to it (the engine's ``connect`` event
calls it), so other engines in the process keep SQLAlchemy's cursor.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT

__all__ = ["OneTripCursor", "adopt"]

#: What one trip returns: description, rowcount, lastrowid, rows (None without a result).
Outcome = tuple[Any, int, int | None, list[Any] | None]


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any) -> Outcome:
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        # After the rows: with RETURNING, sqlite3 counts the rows as they are stepped.
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _executemany(connection: sqlite3.Connection, operation: str, rows: Sequence[Any]) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, rows)
        return cursor.description, cursor.rowcount, cursor.lastrowid, None
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """The adapter's cursor, each statement in one trip (see the module docstring)."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor is opened here: each statement makes and closes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing is open between statements."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._trip(_execute, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._trip(_executemany, operation, seq_of_parameters)

    async def _trip(self, function: Any, operation: Any, parameters: Any) -> None:
        _mark_dirty(self._connection)
        async with self._adapt_connection._execute_mutex:
            outcome = await self._connection._execute(
                function, self._connection._conn, operation, parameters
            )
        self._take(outcome)

    def _take(self, outcome: Outcome) -> None:
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def nextset(self) -> None:
        self._rows.clear()


#: Set on an aiosqlite connection by a completed commit or rollback, cleared before every
#: statement is sent (an attribute of aiosqlite's object: this adapter class has no room).
_CLEAN = "_monopilot_clean"


def _mark_dirty(connection: Any) -> None:
    setattr(connection, _CLEAN, False)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The adapter's connection with :class:`OneTripCursor` for its (non server-side)
    cursors, and without the pool's rollback trip after a commit.

    The pool rolls back every connection it gets back, also one whose transaction was
    just committed: one more trip, for nothing. It is skipped only when the last thing
    sent was a commit or rollback that completed and nothing has been sent since, so a
    statement still running on aiosqlite's thread (a caller cancelled while waiting for
    it) is always followed by the rollback, queued behind it as before.
    """

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        _mark_dirty(self._connection)
        super().commit()
        setattr(self._connection, _CLEAN, True)

    def rollback(self) -> None:
        if getattr(self._connection, _CLEAN, False):
            return
        super().rollback()
        setattr(self._connection, _CLEAN, True)


#: The adapter internals this module builds on (SQLAlchemy 2.1's asyncio connector); with
#: another release that lacks them, connections keep SQLAlchemy's own cursor.
_COMPATIBLE = all(
    hasattr(AsyncAdapt_aiosqlite_cursor, name)
    for name in ("_execute_async", "_executemany_async", "_async_soft_close")
) and hasattr(AsyncAdapt_aiosqlite_connection, "_cursor_cls")


def adopt(dbapi_connection: Any) -> bool:
    """Switch one adapted aiosqlite connection to :class:`OneTripCursor`; ``False`` where
    it is not one (or this SQLAlchemy lacks the internals used here)."""
    if _COMPATIBLE and type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneTripConnection
        return True
    return False
