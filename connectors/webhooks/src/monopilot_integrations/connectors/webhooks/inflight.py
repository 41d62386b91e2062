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

    def slot(self, webhook_id: uuid.UUID) -> _Slot:
        """``async with limit.slot(webhook_id):`` holds one of the webhook's slots.

        A class, not ``@asynccontextmanager``: it is entered once per delivery attempt,
        and a generator-based context manager costs several times as much."""
        return _Slot(self, webhook_id)

    def tracked(self) -> int:
        """Webhooks with attempts holding or waiting for a slot now."""
        return len(self._slots)


class _Slot:
    __slots__ = ("_limit", "_slots", "_webhook_id")

    def __init__(self, limit: InFlightLimit, webhook_id: uuid.UUID) -> None:
        self._limit = limit
        self._webhook_id = webhook_id
        self._slots: _Slots | None = None

    async def __aenter__(self) -> None:
        limit = self._limit
        slots = limit._slots.get(self._webhook_id)
        if slots is None:
            slots = limit._slots[self._webhook_id] = _Slots(asyncio.Semaphore(limit.limit))
        slots.users += 1
        try:
            if slots.semaphore.locked():
                async with asyncio.timeout(limit.wait_seconds):
                    await slots.semaphore.acquire()
            else:  # a free slot: taken at once, no timer to arm
                await slots.semaphore.acquire()
        except BaseException as exc:
            self._leave(slots)
            if isinstance(exc, TimeoutError):
                raise BusyError(
                    f"{limit.limit} deliveries to this webhook are already in flight (slow "
                    "receiver); retried later",
                    retry_after=limit.wait_seconds,
                ) from None
            raise
        self._slots = slots

    async def __aexit__(self, *exc_info: object) -> None:
        slots, self._slots = self._slots, None
        if slots is not None:
            slots.semaphore.release()
            self._leave(slots)

    def _leave(self, slots: _Slots) -> None:
        slots.users -= 1
        if slots.users == 0:
            del self._limit._slots[self._webhook_id]
