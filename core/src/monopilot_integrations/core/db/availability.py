"""Telling "the database is away" apart from every other error.

While PostgreSQL restarts (a failover, an upgrade, a crash), a request that needs it
cannot be served, but nothing is wrong with the request or with this process: the client
should hear ``503 Service Unavailable`` with ``Retry-After`` and try again, not a 500 that
says "bug". The pool's pre-ping and SQLAlchemy's invalidation of broken connections make
the process recover by itself once the server is back; this module only names the errors
that mean "unavailable, for now", whichever layer raised them:

* a connection refused, reset or timed out (``OSError`` subclasses raised inside the
  database driver), also while the pool opens a new connection;
* SQLAlchemy's verdict that a connection broke under a statement
  (``DBAPIError.connection_invalidated``) and a pool that hands out no connection in time;
* PostgreSQL's own SQLSTATEs for it: class 08 (connection exception), 57P01-57P03
  (administrator or crash shutdown, "the database system is starting up") and 53300 (too
  many connections).

Errors are looked at through their whole chain (``__cause__``, ``__context__`` and
SQLAlchemy's ``orig``), because drivers and SQLAlchemy wrap each other's exceptions.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

__all__ = ["RETRY_AFTER_SECONDS", "database_unavailable"]

#: What a 503 for an unavailable database asks clients to wait.
RETRY_AFTER_SECONDS = 5

_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or an error it wraps) means the database cannot be reached."""
    for link in _chain(error):
        if isinstance(link, sa_exc.DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, sa_exc.TimeoutError):  # the pool had no connection in time
            return True
        if isinstance(link, OSError | TimeoutError) and _raised_by_database_driver(link):
            # asyncpg's connect raises the socket's error as it is (refused, unreachable).
            # An outbound HTTP call's OSError is not the database's: only errors raised
            # inside the driver count.
            return True
        state = getattr(link, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
            return True
    return False


_DRIVER_MODULES = ("asyncpg", "sqlalchemy", "aiosqlite")


def _raised_by_database_driver(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.startswith(_DRIVER_MODULES):
            return True
        traceback = traceback.tb_next
    return False


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        pending += [
            current.__context__,
            current.__cause__,
            orig if isinstance(orig, BaseException) else None,
        ]
    return seen
