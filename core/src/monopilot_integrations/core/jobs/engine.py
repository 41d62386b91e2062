"""Running one attempt of a job: claim, execute, record.

The database is the source of truth. A broker message only says "job X of org Y may be
due"; the attempt starts with a conditional claim (``UPDATE ... WHERE status is runnable
... RETURNING``), so a duplicate message, a message for a job not yet due or one for a job
another worker is running is a no-op. The claim takes a lease: a worker killed mid-job
leaves a ``running`` job whose lease expires, and the sweeper hands it out again.

After the handler returns or raises, one transaction writes the attempt's log row, the
job's new state and its retry queue entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.errors import ConfigError, FatalError, RetriableError
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.retry import retry_delay
from monopilot_integrations.core.logs.writer import LogEntry, LogWriter, printable
from monopilot_integrations.core.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.tables import jobs_table, retry_table

log = logging.getLogger(__name__)

jobs_t = jobs_table
retry_t = retry_table

#: Job statuses.
QUEUED, RUNNING, RETRYING, SUCCEEDED, DEAD = "queued", "running", "retrying", "succeeded", "dead"


@dataclass(frozen=True)
class AttemptOutcome:
    """What happened to one attempt, as returned by :meth:`JobEngine.run`."""

    job_id: uuid.UUID
    status: str  # succeeded, retrying, dead, skipped (not claimable)
    error: str | None = None
    next_run_at: datetime | None = None


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

    async def run(self, org_id: uuid.UUID, job_id: uuid.UUID) -> AttemptOutcome:
        """Claim ``job_id`` and run one attempt of it, if it is due."""
        row = await self._claim(org_id, job_id)
        if row is None:
            return AttemptOutcome(job_id, "skipped")
        job = _job_from_row(row)
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            handler = self._handler_for(job)
            async with asyncio.timeout(self.settings.job_lease_seconds * 0.9):
                await handler(job)
        except TimeoutError as exc:
            error = RetriableError(
                f"the attempt took longer than {self.settings.job_lease_seconds * 0.9:.0f}s"
            )
            error.__cause__ = exc
        except asyncio.CancelledError:
            # The worker is shutting down: hand the job back (lease cleared) and re-raise.
            await self._hand_back(org_id, job_id, job.attempt)
            raise
        except Exception as exc:
            error = exc
        duration_ms = int((time.perf_counter() - started) * 1000)
        try:
            return await self._finish(job, error, duration_ms)
        except sa_exc.DBAPIError as exc:
            if isinstance(exc, sa_exc.OperationalError):
                raise  # the database is away: the lease hands the job out again later
            # Something in the attempt's record was refused: record the outcome without it.
            log.warning("job %s: attempt record refused (%s); logged without bodies", job.id, exc)
            job.attempt_record.request_body = job.attempt_record.response_body = None
            job.attempt_record.warning = "request/response bodies could not be stored"
            return await self._finish(job, error, duration_ms)

    # --- claim --------------------------------------------------------------------------

    async def _claim(self, org_id: uuid.UUID, job_id: uuid.UUID) -> Any:
        now = self.clock.now()
        runnable = or_(
            and_(jobs_t.c.status.in_((QUEUED, RETRYING)), jobs_t.c.next_run_at <= now),
            and_(jobs_t.c.status == RUNNING, jobs_t.c.locked_until < now),
        )
        async with self.database.session(org_id) as session:
            result = await session.execute(
                update(jobs_t)
                .where(jobs_t.c.id == job_id, jobs_t.c.org_id == org_id, runnable)
                .values(
                    status=RUNNING,
                    attempts=jobs_t.c.attempts + 1,
                    locked_until=now + timedelta(seconds=self.settings.job_lease_seconds),
                    updated_at=now,
                )
                .returning(*jobs_t.c)
            )
            row = result.first()
            if row is not None:
                await session.execute(
                    update(retry_t)
                    .where(retry_t.c.job_id == job_id, retry_t.c.org_id == org_id)
                    .values(status="in_progress", updated_at=now)
                )
            return row

    async def _hand_back(self, org_id: uuid.UUID, job_id: uuid.UUID, attempt: int) -> None:
        now = self.clock.now()
        try:
            async with self.database.session(org_id) as session:
                await session.execute(
                    update(jobs_t)
                    .where(
                        jobs_t.c.id == job_id,
                        jobs_t.c.status == RUNNING,
                        jobs_t.c.attempts == attempt,
                    )
                    .values(status=QUEUED, locked_until=None, enqueued_at=None, updated_at=now)
                )
                await session.execute(
                    update(retry_t)
                    .where(retry_t.c.job_id == job_id, retry_t.c.status == "in_progress")
                    .values(status="pending", updated_at=now)
                )
        except Exception:  # the lease expiring will hand it back anyway
            log.warning("could not hand back job %s on shutdown", job_id, exc_info=True)

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

    # --- finish -------------------------------------------------------------------------

    async def _finish(
        self, job: Job, error: BaseException | None, duration_ms: int
    ) -> AttemptOutcome:
        now = self.clock.now()
        record = job.attempt_record
        connector_cls = self.registry.connectors.get(job.connector)
        log_type = connector_cls.log_type() if connector_cls else job.connector
        direction = connector_cls.direction if connector_cls else "outbound"
        external = record.external_system or (
            connector_cls.external_system if connector_cls else None
        )

        if error is None:
            status, log_status, next_run_at, dead_reason = SUCCEEDED, "success", None, None
            if record.warning:
                log_status = "warning"
        else:
            delay: float | None = None
            if isinstance(error, FatalError):
                dead_reason = "fatal"
            else:
                retry_after = error.retry_after if isinstance(error, RetriableError) else None
                delay = retry_delay(
                    job.retry_policy,
                    job.retries,
                    job.max_retries,
                    retry_after=retry_after,
                    retry_after_cap=self.settings.retry_after_cap_seconds,
                    jitter=self.settings.retry_jitter,
                )
                dead_reason = (
                    None
                    if delay is not None
                    else ("manual" if job.retry_policy == "manual" else "exhausted")
                )
            log_status = "error"
            if delay is not None:
                status, next_run_at = RETRYING, now + timedelta(seconds=delay)
            else:
                status, next_run_at = DEAD, None
        http_status = record.http_status or getattr(error, "http_status", None)
        message = _describe(error) if error is not None else None

        entry = LogEntry(
            org_id=job.org_id,
            integration_type=log_type,
            event_type=record.event_type or job.event_type or job.kind,
            direction=direction,
            status=log_status,
            request_body=record.request_body,
            response_body=record.response_body,
            http_status=http_status,
            error_message=message or record.warning,
            error_class=type(error).__name__ if error is not None else None,
            webhook_id=record.webhook_id,
            job_id=job.id,
            connector=job.connector,
            external_system=external,
            retry_count=job.retries,
            duration_ms=duration_ms,
            secrets=record.secrets,
        )
        async with self.database.session(job.org_id) as session:
            log_id = await self.log_writer.write(session, entry)
            values: dict[str, Any] = {
                "status": status,
                "locked_until": None,
                "enqueued_at": None,
                "updated_at": now,
                "last_error": entry_error(self.log_writer, message, record.secrets),
            }
            if status == SUCCEEDED:
                values["finished_at"] = now
            elif status == RETRYING:
                values["next_run_at"] = next_run_at
                values["retries"] = job.retries + 1
            else:
                values.update(dead_at=now, dead_reason=dead_reason, finished_at=now)
            # Fenced: only the attempt that holds the claim may move the job on. An attempt
            # whose lease expired (and whose job another worker re-ran) leaves it alone.
            moved = await session.execute(
                update(jobs_t)
                .where(
                    jobs_t.c.id == job.id,
                    jobs_t.c.org_id == job.org_id,
                    jobs_t.c.status == RUNNING,
                    jobs_t.c.attempts == job.attempt,
                )
                .values(**values)
            )
            if not moved.rowcount:  # type: ignore[attr-defined]
                log.warning(
                    "job %s: attempt %d finished after losing its lease; its outcome "
                    "is logged but does not change the job",
                    job.id,
                    job.attempt,
                )
                return AttemptOutcome(job.id, "stale", values["last_error"], None)
            if error is not None or job.retries > 0:
                await self._upsert_retry(session, job, status, log_id, next_run_at, values)
        if error is not None:
            log.info(
                "job %s (%s) attempt %d failed: %s -> %s",
                job.id,
                job.connector,
                job.attempt,
                message,
                status,
            )
        return AttemptOutcome(job.id, status, values["last_error"], next_run_at)

    async def _upsert_retry(
        self,
        session: AsyncSession,
        job: Job,
        status: str,
        log_id: uuid.UUID,
        next_run_at: datetime | None,
        values: dict[str, Any],
    ) -> None:
        now = self.clock.now()
        retry_status = {SUCCEEDED: "succeeded", RETRYING: "pending", DEAD: "failed"}[status]
        fields = {
            "log_id": log_id,
            "retry_count": values.get("retries", job.retries),
            "max_retries": job.max_retries,
            "next_retry_at": next_run_at,
            "status": retry_status,
            "error_message": values["last_error"],
            "dead_reason": values.get("dead_reason"),
            "updated_at": now,
        }
        existing = await session.scalar(
            select(retry_t.c.id).where(retry_t.c.job_id == job.id, retry_t.c.org_id == job.org_id)
        )
        if existing is None:
            await session.execute(
                retry_t.insert().values(
                    id=uuid.uuid4(),
                    org_id=job.org_id,
                    job_id=job.id,
                    connector=job.connector,
                    created_at=now,
                    **fields,
                )
            )
        else:
            await session.execute(update(retry_t).where(retry_t.c.id == existing).values(**fields))


def entry_error(writer: LogWriter, message: str | None, secrets: list[str]) -> str | None:
    """The error as stored on the job: masked like the log row, and capped."""
    if message is None:
        return None
    return printable(writer.masker.mask_text(message, secrets=secrets)[:2000])


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if not isinstance(error, RetriableError | FatalError):
        text = f"{type(error).__name__}: {text}"
    return text


def _job_from_row(row: Any) -> Job:
    return Job(
        id=row.id,
        org_id=row.org_id,
        connector=row.connector,
        kind=row.kind,
        payload=dict(row.payload or {}),
        event_id=row.event_id,
        event_type=row.event_type,
        subject_id=row.subject_id,
        attempt=row.attempts,
        retries=row.retries,
        max_retries=row.max_retries,
        retry_policy=row.retry_policy,
        created_at=row.created_at,
    )
