"""Group commit for finished attempts.

An attempt that finishes hands its result to the finisher and waits. The finisher lingers a
few milliseconds (``job_finish_linger``) for other attempts to finish too, then records up
to ``job_finish_batch`` of them in one transaction per organisation (see :mod:`.recorder`),
and wakes each waiter with its own outcome. It never waits for attempts still running: a
slow attempt in a batch never holds back the record of the fast ones, and while one flush
commits, the next group gathers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from monopilot_integrations.core.jobs.outcome import AttemptOutcome, FinishedAttempt

log = logging.getLogger(__name__)

Record = Callable[[uuid.UUID, Sequence[FinishedAttempt]], Awaitable[list[AttemptOutcome]]]


class Finisher:
    def __init__(self, record: Record, *, max_batch: int, linger: float) -> None:
        self.record = record
        self.max_batch = max_batch
        self.linger = linger
        self._pending: list[tuple[FinishedAttempt, asyncio.Future[AttemptOutcome]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.flushes = 0

    async def finish(self, attempt: FinishedAttempt) -> AttemptOutcome:
        """Record ``attempt`` with the next group; returns once it is committed."""
        future: asyncio.Future[AttemptOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((attempt, future))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="job-finisher")
        return await future

    async def close(self) -> None:
        """Record what is waiting, then stop (a flush under way is never cut short)."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._pending:
            await self._flush_some()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if self.linger and not self._closing and len(self._pending) < self.max_batch:
                await asyncio.sleep(self.linger)
            self._wake.clear()
            while self._pending:
                await self._flush_some()
            if self._closing:
                return

    async def _flush_some(self) -> None:
        batch = self._pending[: self.max_batch]
        del self._pending[: len(batch)]
        by_org: dict[uuid.UUID, list[tuple[FinishedAttempt, asyncio.Future[AttemptOutcome]]]]
        by_org = {}
        for item in batch:
            by_org.setdefault(item[0].job.org_id, []).append(item)
        self.flushes += 1
        for org_id, items in by_org.items():
            try:
                outcomes = await self.record(org_id, [attempt for attempt, _ in items])
            except Exception as exc:  # the database is away: the leases hand the jobs out again
                log.warning("could not record %d finished attempts", len(items), exc_info=True)
                for _, future in items:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(items, outcomes, strict=True):
                if not future.done():  # its waiter may have been cancelled (shutdown)
                    future.set_result(outcome)
