"""Running a broker message's batch of jobs: one claim, concurrent attempts, grouped finishes.

A message names up to ``job_batch_size`` jobs of one organisation and one connector. The
runner claims the runnable ones in one statement, starts one task per attempt (at most
``job_concurrency`` handlers run at once on this loop), and each attempt hands its result to
the :class:`~.finisher.Finisher` as soon as it is done.

The message holds its Dramatiq worker thread until its attempts are recorded; but handlers
still running after ``job_batch_hold`` seconds (a slow or hanging endpoint) carry on in the
background under their lease, and the thread takes the next message: one slow endpoint
cannot stall the jobs of the others behind it. A worker killed meanwhile loses
nothing: the leases (renewed by a heartbeat while this process holds the jobs, see
:mod:`.leases`) expire and the sweeper hands the jobs out again.

A connector with a concurrency bound (:mod:`.connector_slots`) has its slots taken before
its jobs are claimed; what finds no slot within the hold is left unclaimed for the sweeper.

On shutdown the runner refuses new batches (their jobs are released for the next sweep),
gives running attempts ``worker_shutdown_grace`` seconds, then cancels the rest and hands
them back as ``queued`` in one transaction per organisation.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from monopilot_integrations.core.db.tables import jobs_table
from monopilot_integrations.core.jobs.connector_slots import ConnectorSlots
from monopilot_integrations.core.jobs.finisher import Finisher
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.outcome import (
    QUEUED,
    RETRYING,
    AttemptOutcome,
    FinishedAttempt,
)
from monopilot_integrations.core.settings import Settings

if TYPE_CHECKING:
    from monopilot_integrations.core.jobs.engine import JobEngine

log = logging.getLogger(__name__)


class BatchRunner:
    def __init__(self, engine: JobEngine, settings: Settings) -> None:
        self.engine = engine
        self.hold = settings.job_batch_hold
        self.finisher = Finisher(
            engine.recorder.record,
            max_batch=settings.job_finish_batch,
            linger=settings.job_finish_linger,
        )
        self.concurrency = settings.job_concurrency
        self._slots = asyncio.Semaphore(settings.job_concurrency)
        self.connector_slots = ConnectorSlots(
            settings.connector_concurrency, engine.registry.connectors.get
        )
        # Jobs claimed and still waiting for a slot, at most as many as there are slots: a
        # claim starts the lease, so a job left waiting behind slow attempts (threads x
        # batch of them) could outlive it and be handed out again while it still runs here.
        # Batches take this room in turn (the lock), so none holds part of it while waiting.
        self._claim_room = asyncio.Semaphore(settings.job_concurrency)
        self._claim_turn = asyncio.Lock()
        self._in_flight: dict[asyncio.Task[AttemptOutcome | None], Job] = {}
        #: Attempts whose handler returned and whose record is on its way.
        self._recording: set[asyncio.Task[Any]] = set()
        self._cut_short: list[Job] = []
        self._closing = False

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def run(
        self, org_id: uuid.UUID, job_ids: Sequence[uuid.UUID], connector: str | None = None
    ) -> list[AttemptOutcome]:
        """Claim and run the batch (jobs of ``connector``, when the message says so);
        returns the outcomes recorded within the hold."""
        if self._closing:
            await self._release(org_id, job_ids)
            return []
        tasks: list[asyncio.Task[AttemptOutcome | None]] = []
        limited = self.connector_slots.semaphore(connector)
        if limited is None:
            for at in range(0, len(job_ids), self.concurrency):
                chunk = job_ids[at : at + self.concurrency]
                if not await self._claim_and_start(org_id, chunk, tasks):
                    break
        else:
            await self._run_limited(org_id, job_ids, tasks, limited)
        if not tasks:
            return []
        await asyncio.wait(tasks, timeout=self.hold)
        # Past the hold only handlers still running are left behind; attempts already being
        # recorded are waited for, so once the message is done its finished attempts are
        # committed (what a drained queue means to callers).
        recording = [task for task in tasks if task in self._recording]
        if recording:
            await asyncio.wait(recording)
        done = [task for task in tasks if task.done()]
        return [
            outcome
            for task in done
            if not task.cancelled() and task.exception() is None
            if (outcome := task.result()) is not None
        ]

    async def _run_limited(
        self,
        org_id: uuid.UUID,
        job_ids: Sequence[uuid.UUID],
        tasks: list[asyncio.Task[AttemptOutcome | None]],
        limited: asyncio.Semaphore,
    ) -> None:
        """Start the jobs as their connector's slots free, for at most the hold; leave
        the rest unclaimed for the sweeper."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hold
        at = 0
        while at < len(job_ids):
            wanted = min(self.concurrency, len(job_ids) - at)
            taken = await ConnectorSlots.take(limited, wanted, max(deadline - loop.time(), 0))
            if not taken:
                await self._release(org_id, job_ids[at:])
                return
            chunk = job_ids[at : at + taken]
            at += taken
            if not await self._claim_and_start(org_id, chunk, tasks, limited):
                await self._release(org_id, job_ids[at:])
                return

    async def _claim_and_start(
        self,
        org_id: uuid.UUID,
        job_ids: Sequence[uuid.UUID],
        tasks: list[asyncio.Task[AttemptOutcome | None]],
        limited: asyncio.Semaphore | None = None,
    ) -> bool:
        """Claim up to :attr:`concurrency` jobs once there is room for them to wait, and
        start each as a slot frees (appended to ``tasks``); ``False`` once shutting down.
        ``limited``: the connector's semaphore, one slot already taken per job id; each
        started attempt gives its slot back when done, the others are given back here."""
        await self._take_claim_room(len(job_ids))
        waiting = len(job_ids)  # room held for jobs not started yet
        jobs: list[Job] = []
        started = 0
        try:
            jobs = [
                self.engine.job_from_row(row)
                for row in await self.engine.claimer.claim(org_id, job_ids)
            ]
            self.engine.leases.hold(jobs)
            self._give_claim_room(waiting - len(jobs))  # not runnable now: nothing to wait for
            waiting = len(jobs)
            for job in jobs:
                # Waiting for a free slot holds this message's thread: back pressure, so a
                # busy worker does not take (and lease) more jobs than it can start.
                await self._slots.acquire()
                if self._closing:
                    self._slots.release()
                    try:
                        await self.engine.recorder.hand_back(org_id, jobs[started:])
                    finally:
                        self.engine.leases.release(jobs[started:])
                    return False
                tasks.append(self._start(job, limited))
                started += 1
                waiting -= 1
                self._claim_room.release()
        except asyncio.CancelledError:
            self.engine.leases.release(jobs[started:])
            await asyncio.shield(self.engine.recorder.hand_back(org_id, jobs[started:]))
            raise
        finally:
            self._give_claim_room(waiting)
            if limited is not None:
                for _ in range(len(job_ids) - started):
                    limited.release()
        return True

    async def _take_claim_room(self, count: int) -> None:
        taken = 0
        try:
            async with self._claim_turn:
                while taken < count:
                    await self._claim_room.acquire()
                    taken += 1
        except BaseException:
            self._give_claim_room(taken)
            raise

    def _give_claim_room(self, count: int) -> None:
        for _ in range(count):
            self._claim_room.release()

    def _start(
        self, job: Job, limited: asyncio.Semaphore | None = None
    ) -> asyncio.Task[AttemptOutcome | None]:
        task = asyncio.get_running_loop().create_task(
            self._attempt(job, limited), name=f"job-{job.id}"
        )
        self._in_flight[task] = job
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[AttemptOutcome | None]) -> None:
        job = self._in_flight.pop(task, None)
        if job is not None:
            self.engine.leases.release([job])
        self._recording.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("%s: its attempt was not recorded", task.get_name(), exc_info=error)

    async def _attempt(
        self, job: Job, limited: asyncio.Semaphore | None = None
    ) -> AttemptOutcome | None:
        """One attempt in a slot taken by :meth:`run` (cut off at the engine's limit)."""
        try:
            error, duration_ms = await self.engine.perform(job)
        except asyncio.CancelledError:
            self._cut_short.append(job)  # shutdown: handed back in one go by shutdown()
            raise
        finally:
            self._slots.release()
            if limited is not None:
                limited.release()
        task = asyncio.current_task()
        if task is not None:
            self._recording.add(task)
        return await self.finisher.finish(FinishedAttempt(job, error, duration_ms))

    async def shutdown(self, grace: float) -> None:
        """Stop taking batches; let attempts finish for ``grace`` s; hand back the rest."""
        self._closing = True
        running = list(self._in_flight)
        if running and grace > 0:
            await asyncio.wait(running, timeout=grace)
        still = [task for task in running if not task.done()]
        for task in still:
            task.cancel()
        await asyncio.gather(*still, return_exceptions=True)
        cut_short, self._cut_short = self._cut_short, []
        by_org: dict[uuid.UUID, list[Job]] = {}
        for job in cut_short:
            by_org.setdefault(job.org_id, []).append(job)
        for org_id, jobs in by_org.items():
            try:
                count = await self.engine.recorder.hand_back(org_id, jobs)
                log.info("handed back %d attempts cut short by shutdown", count)
            except Exception:  # the lease expiring will hand them back anyway
                log.warning("could not hand back %d jobs on shutdown", len(jobs), exc_info=True)
        await self.finisher.close()
        await self.engine.leases.close()

    async def _release(self, org_id: uuid.UUID, job_ids: Sequence[uuid.UUID]) -> None:
        """A batch arriving during shutdown: leave its jobs to the next sweep, at once."""
        try:
            async with self.engine.scope.session(org_id) as session:
                await session.execute(
                    update(jobs_table)
                    .where(
                        jobs_table.c.id.in_(list(job_ids)),
                        self.engine.scope.same_org(jobs_table.c.org_id, org_id),
                        jobs_table.c.status.in_((QUEUED, RETRYING)),
                    )
                    .values(enqueued_at=None)
                )
        except Exception:  # requeue_after covers it
            log.warning("could not release %d jobs on shutdown", len(job_ids), exc_info=True)
