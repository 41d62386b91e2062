"""One SQLite transaction at a time per database file in this process, handed over in order.

SQLite admits one writer, and every transaction here starts with ``BEGIN IMMEDIATE`` (see
:func:`~.database._configure_sqlite`), so each one takes the file's write lock. A
connection that finds the lock taken does not wait on it: SQLite's busy handler *polls*,
sleeping 1, 2, 5, 10 ... up to 100 ms between tries. With the server loop and the worker
loop (and the log writer, and a connector's own writes) each on their own connections,
most transactions would find the lock taken and sleep through most of their wait after
it was free.

:class:`TransactionQueue` is a FIFO lock that works across event loops and threads: a
transaction waits on a future of its own loop and is woken the moment the previous one
ends. :class:`~.database.Database` takes a turn before a session or transaction begins
and gives it back in ``finally``, once the session is closed (committed or rolled back).
Other processes on the same file still meet the busy handler, as do connections opened
on the engine directly.

A transaction that waits longer than ``timeout`` seconds fails with the error SQLite gives
when its busy timeout runs out (``database is locked``): the behaviour SQLite's busy
timeout gives code that would otherwise wait forever on itself (a second transaction
opened while the first is still open in the same task).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque


class TransactionQueue:
    """A first-in, first-out lock for coroutines of any event loop in any thread."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def idle(self) -> bool:
        """Nobody holds a turn and nobody waits for one."""
        with self._mutex:
            return not self._held and not self._waiters

    async def acquire(self) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._mutex:
            if not self._held:
                self._held = True
                return
            self._waiters.append(turn)
        try:
            async with asyncio.timeout(self.timeout):
                await turn
        except (asyncio.CancelledError, TimeoutError) as exc:
            with self._mutex:
                waiting = turn in self._waiters
                if waiting:
                    self._waiters.remove(turn)
            if not waiting and turn.done() and not turn.cancelled():
                self.release()  # handed over just as the wait ended: pass it on
            # (handed over but not yet delivered: _deliver passes it on)
            if isinstance(exc, TimeoutError):
                raise sqlite3.OperationalError("database is locked") from None
            raise

    def release(self) -> None:
        while True:
            with self._mutex:
                if not self._waiters:
                    self._held = False
                    return
                turn = self._waiters.popleft()  # stays held: handed to the next in line
            loop = turn.get_loop()
            if not loop.is_running():
                # A stopped loop may be closed before it runs the hand-over, and the
                # turn would be lost with it. Its waiter, if that loop ever runs again,
                # meets its timeout ("database is locked").
                continue
            try:
                loop.call_soon_threadsafe(self._deliver, turn)
                return
            except RuntimeError:  # closed meanwhile
                continue

    def _deliver(self, turn: asyncio.Future[None]) -> None:
        if turn.done():  # its waiter gave up meanwhile
            self.release()
        else:
            turn.set_result(None)


_queues: dict[str, TransactionQueue] = {}
_queues_lock = threading.Lock()


def queue_for(path: str, timeout: float) -> TransactionQueue:
    """The process's queue for the database file at ``path``."""
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            queue = _queues[path] = TransactionQueue(timeout)
        return queue
