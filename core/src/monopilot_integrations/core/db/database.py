"""The engines and the two kinds of session: one organisation's, or the kernel's own.

Application code opens :meth:`Database.session` for exactly one organisation. On
PostgreSQL that transaction runs on a connection of its own pool, logged in as the tenant
role (no BYPASSRLS, not the table owner, a member of no role that is either: see
:mod:`.roles`), and sets ``app.current_org_id`` with ``set_config(..., true)`` so it ends
with the transaction; row-level security policies compare every row's ``org_id`` with it.
So even a raw ``SELECT *`` without a WHERE clause sees only that organisation's rows,
writing a row for another organisation fails, and neither ``RESET ROLE`` nor ``SET ROLE``
gets the session out: there is no other role behind the connection to return to.

:meth:`Database.system_session` is for the kernel's own cross-organisation work (the
dispatcher, the sweeper, purges) and for migrations. It runs as the role of the main URL
(the owner, bypassing row-level security) on the other pool, and so does
:meth:`Database.transaction`, the same on a Core connection (bulk inserts).

On an SQLite file there are no roles and one engine; each of the three first waits for
this process's turn to write it (:mod:`.sqlite_writer`) and gives the turn back when its
transaction is over.
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
from typing import TYPE_CHECKING, Any

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

from monopilot_integrations.core.db.roles import (
    DEFAULT_TENANT_ROLE,
    ROLES_THAT_DEFEAT_RLS,
    describe_defeating_role,
    tenant_database_url,
)
from monopilot_integrations.core.db.sqlite_writer import TransactionQueue, queue_for
from monopilot_integrations.core.db.types import serialize_json
from monopilot_integrations.core.errors import ConfigError

if TYPE_CHECKING:
    from monopilot_integrations.core.settings import Settings

ORG_KEY = "org_id"

_SET_TENANT = text("SELECT set_config('app.current_org_id', :org, true)")

log = logging.getLogger(__name__)

#: How long a transaction waits for SQLite's write lock before "database is locked".
SQLITE_BUSY_SECONDS = 30.0


class Database:
    """Async SQLAlchemy engines plus tenant-scoped sessions.

    On PostgreSQL there are two engines, two pools: :attr:`engine` logs in with ``url``
    (the kernel's role) and :attr:`tenant_engine` with ``tenant_url`` (default: ``url``
    with ``tenant_role`` as user and no password, see :mod:`.roles`). On SQLite both are
    the same engine.

    Engines are bound to the event loop that first uses them (asyncpg's rule), so a process
    that runs a worker loop beside the server loop opens one ``Database`` per loop.
    """

    def __init__(
        self,
        url: str,
        *,
        tenant_url: str | None = None,
        tenant_role: str = DEFAULT_TENANT_ROLE,
        echo: bool = False,
        pool_size: int = 10,
        system_pool_size: int | None = None,
    ) -> None:
        self.url = url
        self.tenant_role = tenant_role
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": self.dialect != "sqlite"}
        if self.dialect == "sqlite":
            ensure_sqlite_folder(url)
            options["connect_args"] = {"timeout": 30}
        # JSON documents the log writer serialized already (JSONText) are stored as they are.
        options["json_serializer"] = serialize_json
        if self.dialect == "sqlite":
            self.engine: AsyncEngine = create_async_engine(url, **options)
            self.tenant_engine: AsyncEngine = self.engine
        else:
            system_size = pool_size if system_pool_size is None else system_pool_size
            self.engine = create_async_engine(
                url, pool_size=system_size, max_overflow=system_size, **options
            )
            self.tenant_engine = create_async_engine(
                tenant_database_url(url, tenant_role, tenant_url),
                pool_size=pool_size,
                max_overflow=pool_size,
                **options,
            )
        #: Where this process's SQLite transactions on the file take turns (None: no file).
        self.writer_turns: TransactionQueue | None = None
        if self.dialect == "sqlite":
            self.writer_turns = _configure_sqlite(self.engine, parsed.database)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._tenant_sessions = async_sessionmaker(self.tenant_engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings describe (both URLs, the pools, echo)."""
        return cls(
            settings.resolved_database_url,
            tenant_url=settings.tenant_database_url,
            tenant_role=settings.database_tenant_role,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            system_pool_size=settings.database_system_pool_size,
        )

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def session(self, org_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A transaction for one organisation: committed on success, rolled back on error."""
        if not isinstance(org_id, uuid.UUID):
            raise TypeError(f"org_id must be a UUID, not {type(org_id).__name__}")
        async with self._writer_turn(), self._tenant_sessions() as session, session.begin():
            session.info[ORG_KEY] = org_id
            if self.is_postgres:
                await session.execute(_SET_TENANT, {"org": str(org_id)})
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

    async def check_roles(self) -> None:
        """On PostgreSQL, refuse roles that would make isolation silently wrong.

        The kernel's role must bypass row-level security (with it forced, the dispatcher
        and the sweeper would see no rows at all); the tenant role must not be able to
        (else every tenant session would see every organisation). Raises ``ConfigError``.
        """
        if not self.is_postgres:
            return
        async with self.transaction() as conn:
            kernel_role, bypasses = (
                await conn.execute(
                    text(
                        "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
                        "WHERE rolname = current_user"
                    )
                )
            ).one()
        if not bypasses:
            raise ConfigError(
                f"the database role {kernel_role!r} can neither bypass row-level security nor "
                "is a superuser: the kernel's own cross-organisation work (dispatcher, "
                "sweeper, log flush) needs BYPASSRLS; tenant sessions log in as the tenant "
                f"role {self.tenant_role!r} (see docs/configuration.md)"
            )
        try:
            async with self.tenant_engine.connect() as conn:
                tenant = await conn.scalar(text("SELECT current_user"))
                defeating = (
                    await conn.execute(text(ROLES_THAT_DEFEAT_RLS), {"role": tenant})
                ).all()
        except (sa_exc.DBAPIError, OSError) as exc:
            raise ConfigError(
                f"tenant sessions cannot log in as {self.tenant_role!r}: {exc}; run "
                "`monopilot-integrations migrate` (it creates the role), and give its "
                "password in MONOPILOT_TENANT_DATABASE_URL unless PostgreSQL trusts it "
                "(see docs/configuration.md)"
            ) from exc
        if defeating:
            roles = ", ".join(describe_defeating_role(*row) for row in defeating)
            raise ConfigError(
                f"tenant sessions log in as {tenant!r}, which is or can become {roles}: "
                "row-level security would not hold; the tenant role must be a plain login "
                "role (see docs/configuration.md)"
            )

    async def dispose(self) -> None:
        if self.tenant_engine is not self.engine:
            await self.tenant_engine.dispose()
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
