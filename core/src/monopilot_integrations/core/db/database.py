"""The engine and the two kinds of session: one organisation's, or the kernel's own.

Application code opens :meth:`Database.session` for exactly one organisation. On
PostgreSQL the transaction then switches to the tenant role (no BYPASSRLS, not the table
owner) and sets ``app.current_org_id``, both with ``set_config(..., true)`` so they end with
the transaction; row-level security policies compare every row's ``org_id`` with it. So even
a raw ``SELECT *`` without a WHERE clause sees only that organisation's rows, and writing a
row for another organisation fails.

:meth:`Database.system_session` is for the kernel's own cross-organisation work (the
dispatcher, the sweeper, purges) and for migrations. It runs as the connecting role, and
so does :meth:`Database.transaction`, the same on a Core connection (bulk inserts).

On an SQLite file, each of the three first waits for this process's turn to write it
(:mod:`.sqlite_writer`) and gives the turn back when its transaction is over.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from monopilot_integrations.core.db.sqlite_writer import TransactionQueue, queue_for
from monopilot_integrations.core.db.types import serialize_json

ORG_KEY = "org_id"

_SET_TENANT = text(
    "SELECT set_config('role', :role, true), set_config('app.current_org_id', :org, true)"
)

log = logging.getLogger(__name__)

#: How long a transaction waits for SQLite's write lock before "database is locked".
SQLITE_BUSY_SECONDS = 30.0


class Database:
    """An async SQLAlchemy engine plus tenant-scoped sessions.

    Engines are bound to the event loop that first uses them (asyncpg's rule), so a process
    that runs a worker loop beside the server loop opens one ``Database`` per loop.
    """

    def __init__(
        self,
        url: str,
        *,
        tenant_role: str = "monopilot_tenant",
        echo: bool = False,
        pool_size: int = 10,
    ) -> None:
        self.url = url
        self.tenant_role = tenant_role
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": self.dialect != "sqlite"}
        if self.dialect == "sqlite":
            ensure_sqlite_folder(url)
            options["connect_args"] = {"timeout": 30}
        else:
            options["pool_size"] = pool_size
            options["max_overflow"] = pool_size
        # JSON documents the log writer serialized already (JSONText) are stored as they are.
        options["json_serializer"] = serialize_json
        self.engine: AsyncEngine = create_async_engine(url, **options)
        #: Where this process's SQLite transactions on the file take turns (None: no file).
        self.writer_turns: TransactionQueue | None = None
        if self.dialect == "sqlite":
            self.writer_turns = _configure_sqlite(self.engine, parsed.database)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def session(self, org_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A transaction for one organisation: committed on success, rolled back on error."""
        if not isinstance(org_id, uuid.UUID):
            raise TypeError(f"org_id must be a UUID, not {type(org_id).__name__}")
        async with self._writer_turn(), self._sessions() as session, session.begin():
            session.info[ORG_KEY] = org_id
            if self.is_postgres:
                await session.execute(_SET_TENANT, {"role": self.tenant_role, "org": str(org_id)})
            yield session

    @asynccontextmanager
    async def system_session(self) -> AsyncIterator[AsyncSession]:
        """A transaction across organisations, for the kernel's own bookkeeping only."""
        async with self._writer_turn(), self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A :meth:`system_session` as a Core connection (committed on success, rolled back
        on error), for statements that need no ORM session, such as bulk inserts."""
        async with self._writer_turn(), self.engine.begin() as conn:
            yield conn

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.transaction() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """This process's turn to write the SQLite file, held until the transaction inside
        is over (committed, rolled back, or its connection closed); no wait elsewhere."""
        turns = self.writer_turns
        if turns is None:
            yield
            return
        try:
            await turns.acquire()
        except sqlite3.OperationalError as exc:  # waited as long as SQLite's busy timeout would
            raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, exc) from None
        try:
            yield
        finally:
            turns.release()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder an SQLite file URL points into (SQLite creates the file, not its
    folder): every command that opens the database may be the first one run."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        create_private_file(Path(database))


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (SQLite would create it with
    the umask's mode, 0644 as a rule, readable by every local user). SQLite gives its
    ``-wal`` and ``-shm`` files the mode of the database file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # exact, whatever the umask
    finally:
        os.close(fd)


def session_org(session: AsyncSession) -> uuid.UUID:
    """The organisation a session was opened for; raises for a system session."""
    org = session.info.get(ORG_KEY)
    if not isinstance(org, uuid.UUID):
        raise RuntimeError("this operation needs a session opened with Database.session(org_id)")
    return org


def _configure_sqlite(engine: AsyncEngine, database: str | None) -> TransactionQueue | None:
    """WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``; returns the file's queue.

    Two writers (the server loop and the worker loop) would otherwise hit SQLite's
    deferred-transaction upgrade deadlock ("database is locked" at once, without waiting).
    Taking the write lock at BEGIN avoids it. Within this process the sessions of
    :class:`Database` take turns in the file's :class:`~.sqlite_writer.TransactionQueue`
    before they begin, so they are handed the lock as it comes free instead of polling for
    it; the busy timeout covers other processes, and connections opened on the engine
    directly.
    """
    queue = None
    if database and database != ":memory:" and not database.startswith("file:"):
        queue = queue_for(os.path.realpath(database), timeout=SQLITE_BUSY_SECONDS)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy's documented recipe: the driver begins nothing by itself, the "begin"
        # event below says how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first, so the statements after it wait for a lock instead of
        # failing. WAL is a property of the file (``migrate`` sets it when it creates the
        # database); switching takes an exclusive lock and fails at once, busy timeout or
        # not, while another connection holds the file, e.g. a second server starting on
        # it. So: switch only where it is not WAL yet, and on "locked" look again (the
        # other connection is most likely switching it) before trying once more.
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        for attempt in range(40):
            cursor.execute("PRAGMA journal_mode")
            (mode,) = cursor.fetchone()
            if str(mode).lower() == "wal":
                break
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if attempt == 39:  # still a rollback journal: slower, but correct
                    log.warning("could not switch the SQLite database to WAL mode")
                    break
                time.sleep(0.05)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return queue
