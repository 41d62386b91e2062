"""Counting semaphores for many waiters: :class:`Slots` (one unit at a time) and
:class:`Allowance` (several units at once, first come first served).

``asyncio.Semaphore`` (before Python 3.12) checks on every ``acquire`` whether any waiter
is still pending by scanning all of them: with hundreds of attempts queued for a worker's
slots, that scan was a visible share of a busy worker's time. :class:`Slots` keeps its
waiters in a FIFO queue and hands a released slot straight to the first one still
waiting: acquiring and releasing are O(1) (only a waiter that gives up is looked for).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Slots:
    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError("at least one slot")
        self._free = count
        self._waiters: deque[asyncio.Future[None]] = deque()

    def locked(self) -> bool:
        """True when an ``acquire`` now would wait."""
        return self._free == 0 or bool(self._waiters)

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            else:
                # Gone from the queue, or the queue would hold it: a later acquire must
                # not queue behind it while slots are free. (O(n), but only on cancel.)
                with contextlib.suppress(ValueError):
                    self._waiters.remove(turn)
            raise

    def release(self) -> None:
        waiters = self._waiters
        while waiters:
            turn = waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot goes straight to this waiter
                return
        self._free += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()


class Allowance:
    """Up to ``limit`` units in use; :meth:`take` waits, first come first served, until
    ``n`` more fit (a request for more than the limit waits until nothing is in use)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a limit of at least one")
        self.limit = limit
        self.used = 0
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    def _fits(self, n: int) -> bool:
        return self.used == 0 or self.used + n <= self.limit

    async def take(self, n: int) -> None:
        if not self._waiters and self._fits(n):
            self.used += n
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (n, turn)
        self._waiters.append(entry)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.give(n)  # granted just as it was cancelled: give it back
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(entry)
                self._wake()  # those behind it may fit now
            raise

    def give(self, n: int) -> None:
        self.used = max(0, self.used - n)
        self._wake()

    def _wake(self) -> None:
        waiters = self._waiters
        while waiters:
            n, turn = waiters[0]
            if turn.done():
                waiters.popleft()
                continue
            if not self._fits(n):
                return
            waiters.popleft()
            self.used += n
            turn.set_result(None)
