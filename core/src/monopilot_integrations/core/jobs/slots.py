"""A counting semaphore for many waiters.

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
