"""Lease renewal: the heartbeat of the attempts a worker holds.

A claim gives a job a short lease (``job_lease_seconds``, 30 s by default). While this
process holds the job (waiting for a slot or running its handler) the keeper renews the
lease every third of it, in one statement for every held job, fenced by the attempt number
so a job another worker claimed after an expiry is never touched. A worker that dies stops
renewing: its jobs' leases run out within one lease and the sweeper hands them out again,
while an attempt that simply runs long keeps its job for as long as its worker lives (up to
``job_attempt_timeout``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

from sqlalchemy import bindparam, update

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import jobs_table
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.outcome import RUNNING

log = logging.getLogger(__name__)

jobs_t = jobs_table


class LeaseKeeper:
    """Renews the leases of the jobs held on this event loop while any are held."""

    def __init__(self, database: Database, clock: Clock, *, lease_seconds: float) -> None:
        self.database = database
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.interval = lease_seconds / 3
        self._held: dict[uuid.UUID, int] = {}  # job id -> the attempt this process holds
        self._task: asyncio.Task[None] | None = None

    @property
    def held(self) -> int:
        return len(self._held)

    def hold(self, jobs: list[Job]) -> None:
        """Keep renewing the leases of ``jobs`` (just claimed) until :meth:`release`."""
        for job in jobs:
            self._held[job.id] = job.attempt
        if self._held and self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._beat(), name="job-lease-heartbeat"
            )

    def release(self, jobs: list[Job]) -> None:
        """Stop renewing: the attempts are recorded, handed back or abandoned."""
        for job in jobs:
            if self._held.get(job.id) == job.attempt:
                del self._held[job.id]

    async def renew_once(self) -> int:
        """Extend every held lease by a full lease from now; returns how many moved."""
        # In id order, as every multi-row update of jobs should be: two workers renewing
        # overlapping sets (a job handed over after its lease ran out) then take their row
        # locks in the same order and wait for each other instead of deadlocking.
        held = sorted(self._held.items())
        if not held:
            return 0
        until = self.clock.now() + timedelta(seconds=self.lease_seconds)
        async with self.database.system_session() as session:
            result = await session.execute(
                update(jobs_t)
                .where(
                    jobs_t.c.id == bindparam("b_id"),
                    jobs_t.c.attempts == bindparam("b_attempt"),
                    jobs_t.c.status == RUNNING,
                )
                .values(locked_until=until),
                [{"b_id": job_id, "b_attempt": attempt} for job_id, attempt in held],
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _beat(self) -> None:
        try:
            while self._held:
                await asyncio.sleep(self.interval)
                try:
                    await self.renew_once()
                except Exception:  # the database away: the next beat tries again
                    log.warning("renewing %d job leases failed", len(self._held), exc_info=True)
        finally:
            if self._task is asyncio.current_task():
                self._task = None
