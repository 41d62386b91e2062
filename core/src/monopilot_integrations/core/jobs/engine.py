"""Running attempts of jobs: claim, execute, record.

The database is the source of truth. A broker message only says "these jobs of organisation
Y may be due"; an attempt starts with a conditional claim (:mod:`.claims`), so a duplicate
message, a message for a job not yet due or one another worker is running is a no-op. The
claim takes a short lease that a heartbeat renews while the job is held (:mod:`.leases`): a
worker killed mid-job leaves a ``running`` job whose lease expires within one lease, and the
sweeper hands it out again.

After the handler returns or raises, one transaction writes the attempt's log row, the
job's new state (fenced: only the attempt holding the claim may move the job) and its retry
queue entry (:mod:`.recorder`). :meth:`JobEngine.run` does this for one job in transactions
of its own (the management API's "retry now", tests, tools); broker messages carry batches,
run by :class:`~.batch.BatchRunner` with grouped claims and finishes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.errors import ConfigError, RetriableError
from monopilot_integrations.core.jobs.claims import Claimer, claim
from monopilot_integrations.core.jobs.leases import LeaseKeeper
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.org_scope import OrgScope
from monopilot_integrations.core.jobs.outcome import (
    DEAD,
    QUEUED,
    RETRYING,
    RUNNING,
    SUCCEEDED,
    AttemptOutcome,
    FinishedAttempt,
)
from monopilot_integrations.core.jobs.recorder import AttemptRecorder
from monopilot_integrations.core.logs.writer import LogWriter
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "DEAD",
    "QUEUED",
    "RETRYING",
    "RUNNING",
    "SUCCEEDED",
    "AttemptOutcome",
    "JobEngine",
]


class JobEngine:
    def __init__(
        self,
        *,
        database: Database,
        registry: Registry,
        settings: Settings,
        clock: Clock,
        log_writer: LogWriter,
        connector: Callable[[str], Connector],
    ) -> None:
        self.database = database
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.log_writer = log_writer
        self.connector = connector
        self.scope = OrgScope(database)
        self.claimer = Claimer(self.scope, clock, lease_seconds=settings.job_lease_seconds)
        self.leases = LeaseKeeper(database, clock, lease_seconds=settings.job_lease_seconds)
        self.recorder = AttemptRecorder(
            scope=self.scope,
            registry=registry,
            settings=settings,
            clock=clock,
            log_writer=log_writer,
        )

    async def run(self, org_id: uuid.UUID, job_id: uuid.UUID) -> AttemptOutcome:
        """Claim ``job_id`` and run one attempt of it, if it is due."""
        row = await self._claim(org_id, job_id)
        if row is None:
            return AttemptOutcome(job_id, "skipped")
        job = job_from_row(row)
        self.leases.hold([job])
        try:
            try:
                error, duration_ms = await self.perform(job)
            except asyncio.CancelledError:
                # The worker is shutting down: hand the job back (lease cleared) and re-raise.
                await self._hand_back(job)
                raise
            return await self._finish(job, error, duration_ms)
        finally:
            self.leases.release([job])

    async def claim(self, org_id: uuid.UUID, job_ids: Sequence[uuid.UUID]) -> list[Any]:
        """Claim whichever of ``job_ids`` are runnable now (one statement)."""
        return await claim(
            self.scope, self.clock, org_id, job_ids, lease_seconds=self.settings.job_lease_seconds
        )

    @property
    def attempt_limit(self) -> float:
        """Seconds an attempt may run (``job_attempt_timeout``); its lease is renewed all
        along, so no other worker claims the job meanwhile."""
        return self.settings.job_attempt_timeout

    def overdue(self) -> RetriableError:
        """The error of an attempt cut off at :attr:`attempt_limit`."""
        return RetriableError(f"the attempt took longer than {self.attempt_limit:.0f}s")

    async def perform(self, job: Job) -> tuple[BaseException | None, int]:
        """Run the job's handler once; returns the error it raised (or ``None``) and the
        duration in ms. Cut off with a retriable error at :attr:`attempt_limit`."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            handler = self._handler_for(job)
            async with asyncio.timeout(self.attempt_limit) as limit:
                await handler(job)
        except TimeoutError as exc:
            error = exc
            if limit.expired():  # the attempt's limit ran out, not a timeout of the handler's
                error = self.overdue()
                error.__cause__ = exc
        except Exception as exc:
            error = exc
        return error, int((time.perf_counter() - started) * 1000)

    @staticmethod
    def job_from_row(row: Any) -> Job:
        return job_from_row(row)

    # --- single-job steps (also used by tests) ------------------------------------------

    async def _claim(self, org_id: uuid.UUID, job_id: uuid.UUID) -> Any:
        rows = await self.claim(org_id, [job_id])
        return rows[0] if rows else None

    async def _hand_back(self, job: Job) -> None:
        try:
            await self.recorder.hand_back(job.org_id, [job])
        except Exception:  # the lease expiring will hand it back anyway
            log.warning("could not hand back job %s on shutdown", job.id, exc_info=True)

    async def _finish(
        self, job: Job, error: BaseException | None, duration_ms: int
    ) -> AttemptOutcome:
        (outcome,) = await self.recorder.record(
            job.org_id, [FinishedAttempt(job, error, duration_ms)]
        )
        return outcome

    def _handler_for(self, job: Job) -> Callable[[Job], Awaitable[None]]:
        if job.connector not in self.registry.connectors:
            raise ConfigError(f"connector {job.connector!r} is not installed")
        if job.kind == "default":
            return self.connector(job.connector).handle
        handler = self.registry.job_handlers.get((job.connector, job.kind))
        if handler is None:
            raise ConfigError(
                f"no job handler {job.kind!r} is registered for connector {job.connector!r}"
            )
        return handler.handler


def job_from_row(row: Any) -> Job:
    """A claimed row (:data:`~.claims.CLAIMED`) as the job its handler receives.

    Each job gets a payload parsed from its own text: the handler may change it.
    """
    payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
    return Job(
        id=row.id,
        org_id=row.org_id,
        connector=row.connector,
        kind=row.kind,
        payload=dict(payload) if isinstance(payload, dict) else {},
        event_id=row.event_id,
        event_type=row.event_type,
        subject_id=row.subject_id,
        attempt=row.attempts,
        retries=row.retries,
        max_retries=row.max_retries,
        retry_policy=row.retry_policy,
        created_at=row.created_at,
    )
