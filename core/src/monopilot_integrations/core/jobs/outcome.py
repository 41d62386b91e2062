"""What an attempt's result means for its job: the verdict, decided without I/O.

One place turns "this handler returned / raised that" into the job's next state (succeeded,
retrying at a time, dead with a reason), the error text stored on the job and the attempt's
integration log entry. The single-job path and the batched path both record verdicts made
here, so they cannot drift apart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from monopilot_integrations.core.errors import DeferredError, FatalError, RetriableError
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.retry import retry_delay
from monopilot_integrations.core.logs.writer import LogEntry, LogWriter
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.storable import printable

#: Attempts a job may be deferred (:class:`DeferredError`) before deferring spends retries.
MAX_DEFERRALS = 100

#: Job statuses.
QUEUED, RUNNING, RETRYING, SUCCEEDED, DEAD = "queued", "running", "retrying", "succeeded", "dead"


@dataclass(frozen=True)
class AttemptOutcome:
    """What happened to one attempt, as returned by :meth:`JobEngine.run`."""

    job_id: uuid.UUID
    status: str  # succeeded, retrying, dead, skipped (not claimable), stale (lost its lease)
    error: str | None = None
    next_run_at: datetime | None = None


@dataclass
class FinishedAttempt:
    """An attempt whose handler has returned or raised, waiting to be recorded."""

    job: Job
    error: BaseException | None
    duration_ms: int


@dataclass
class Verdict:
    """The job's next state after one attempt, and the attempt's log entry."""

    attempt: FinishedAttempt
    status: str
    next_run_at: datetime | None
    dead_reason: str | None
    message: str | None
    last_error: str | None
    entry: LogEntry
    #: False for a deferral: the job runs again without spending a retry.
    spends_retry: bool = True

    @property
    def job(self) -> Job:
        return self.attempt.job

    @property
    def keeps_retry_row(self) -> bool:
        """Whether the job may have a retry queue row to update: it failed in this run, or
        it ran before (a redriven or re-run job's row must not stay ``in_progress``)."""
        return self.creates_retry_row or self.job.attempt > 1

    @property
    def creates_retry_row(self) -> bool:
        """A job that failed at least once in this run gets a retry queue row."""
        return self.attempt.error is not None or self.job.retries > 0

    def outcome(self) -> AttemptOutcome:
        return AttemptOutcome(self.job.id, self.status, self.last_error, self.next_run_at)


def judge(
    attempt: FinishedAttempt,
    *,
    registry: Registry,
    settings: Settings,
    log_writer: LogWriter,
    now: datetime,
) -> Verdict:
    """Decide the job's next state under its retry policy, and build the log entry."""
    job, error = attempt.job, attempt.error
    record = job.attempt_record
    connector_cls = registry.connectors.get(job.connector)
    dead_reason: str | None = None
    next_run_at: datetime | None = None
    spends_retry = True
    if isinstance(error, DeferredError) and job.attempt - job.retries <= MAX_DEFERRALS:
        status, log_status, spends_retry = RETRYING, "warning", False
        next_run_at = now + timedelta(seconds=max(error.retry_after or 1.0, 0.0))
    elif error is None:
        status = SUCCEEDED
        log_status = "warning" if record.warning else "success"
    else:
        log_status = "error"
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
                retry_after_cap=settings.retry_after_cap_seconds,
                jitter=settings.retry_jitter,
            )
            if delay is None:
                dead_reason = "manual" if job.retry_policy == "manual" else "exhausted"
        if delay is not None:
            status, next_run_at = RETRYING, now + timedelta(seconds=delay)
        else:
            status = DEAD
    message = describe(error) if error is not None else None
    entry = LogEntry(
        org_id=job.org_id,
        integration_type=connector_cls.log_type() if connector_cls else job.connector,
        event_type=record.event_type or job.event_type or job.kind,
        direction=connector_cls.direction if connector_cls else "outbound",
        status=log_status,
        request_body=record.request_body,
        response_body=record.response_body,
        http_status=record.http_status or getattr(error, "http_status", None),
        error_message=message or record.warning,
        error_class=type(error).__name__ if error is not None else None,
        webhook_id=record.webhook_id,
        job_id=job.id,
        connector=job.connector,
        external_system=record.external_system
        or (connector_cls.external_system if connector_cls else None),
        retry_count=job.retries,
        duration_ms=attempt.duration_ms,
        secrets=record.secrets,
    )
    return Verdict(
        attempt=attempt,
        status=status,
        next_run_at=next_run_at,
        dead_reason=dead_reason,
        message=message,
        last_error=entry_error(log_writer, message, record.secrets),
        entry=entry,
        spends_retry=spends_retry,
    )


def entry_error(writer: LogWriter, message: str | None, secrets: list[str]) -> str | None:
    """The error as stored on the job: masked like the log row, and capped."""
    if message is None:
        return None
    return printable(writer.masker.mask_text(message, secrets=secrets)[:2000])


def describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if not isinstance(error, RetriableError | FatalError):
        text = f"{type(error).__name__}: {text}"
    return text
