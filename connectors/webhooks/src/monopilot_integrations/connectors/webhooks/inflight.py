"""A bound on the attempts to one webhook running at once in one process.

Without it a slow receiver would collect every handler slot of a worker, and deliveries
to every other webhook would wait behind it. An attempt that cannot get a slot within the
wait is refused (:class:`BusyError`) and the caller hands it back as a retry.

The per-webhook counters exist only while attempts use them: a long-running worker that
has seen many webhooks keeps no state for the idle ones.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


class BusyError(Exception):
    """Every slot of the webhook stayed taken for the whole wait."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Slots:
    semaphore: asyncio.Semaphore
    users: int = field(default=0)  # attempts holding or waiting for a slot


class InFlightLimit:
    """At most ``limit`` attempts per webhook at once on this event loop."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots: dict[uuid.UUID, _Slots] = {}

    @asynccontextmanager
    async def slot(self, webhook_id: uuid.UUID) -> AsyncIterator[None]:
        slots = self._slots.get(webhook_id)
        if slots is None:
            slots = self._slots[webhook_id] = _Slots(asyncio.Semaphore(self.limit))
        slots.users += 1
        try:
            try:
                if slots.semaphore.locked():
                    async with asyncio.timeout(self.wait_seconds):
                        await slots.semaphore.acquire()
                else:  # a free slot: taken at once, no timer to arm
                    await slots.semaphore.acquire()
            except TimeoutError:
                raise BusyError(
                    f"{self.limit} deliveries to this webhook are already in flight (slow "
                    "receiver); retried later",
                    retry_after=self.wait_seconds,
                ) from None
            try:
                yield
            finally:
                slots.semaphore.release()
        finally:
            slots.users -= 1
            if slots.users == 0:
                del self._slots[webhook_id]

    def tracked(self) -> int:
        """Webhooks with attempts holding or waiting for a slot now."""
        return len(self._slots)
