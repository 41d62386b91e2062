"""Prometheus metrics: requests and latencies (counted per process), and the job engine's
state per connector (read from the database at scrape time, so every process reports the
same, true figures): jobs by status, the outbox backlog, the age of the oldest runnable
job, jobs running past their lease, delivery latency, live workers and schedulers, and
whether rate limits are degraded to per-process limits."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import EventRow, JobRow, RetryRow
from monopilot_integrations.core.jobs.heartbeats import live_processes
from monopilot_integrations.core.ratelimit import DegradingRateLimiter
from monopilot_integrations.core.web.middlewares import assign_request_id, with_problem_details

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "monopilot_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "monopilot_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}
        self.jobs = Gauge(
            "monopilot_jobs",
            "Jobs by connector and status",
            ["connector", "status"],
            registry=self.registry,
        )
        self.retries = Gauge(
            "monopilot_retries_pending",
            "Jobs waiting for a retry",
            ["connector"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "monopilot_dead_letters",
            "Jobs in the dead-letter queue",
            ["connector"],
            registry=self.registry,
        )

        self.outbox_backlog = Gauge(
            "monopilot_outbox_backlog",
            "Published events not dispatched into jobs yet",
            registry=self.registry,
        )
        self.oldest_runnable = Gauge(
            "monopilot_oldest_runnable_job_age_seconds",
            "Seconds the oldest due job (queued or retrying) has been waiting to run",
            registry=self.registry,
        )
        self.past_lease = Gauge(
            "monopilot_jobs_running_past_lease",
            "Jobs still running after their lease ran out (their worker died)",
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "monopilot_delivery_latency_seconds",
            "From a job's creation to its success, per connector (jobs that succeeded since "
            "the previous scrape)",
            ["connector"],
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 7200, 86400),
        )
        self.live_processes = Gauge(
            "monopilot_live_processes",
            "Worker and scheduler processes with a fresh heartbeat",
            ["kind"],
            registry=self.registry,
        )
        self.rate_limit_degraded = Gauge(
            "monopilot_rate_limit_degraded",
            "1 while rate limits are per process because their Redis is unreachable",
            registry=self.registry,
        )
        self.rate_limit_outages = Gauge(
            "monopilot_rate_limit_outages",
            "Outages of the rate-limit Redis this process has seen",
            registry=self.registry,
        )
        self.rate_limit_fallback_hits = Gauge(
            "monopilot_rate_limit_fallback_hits",
            "API requests this process rate-limited in memory during outages",
            registry=self.registry,
        )
        self._latency_since: datetime | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a request. Label children are cached: resolving labels takes a lock and
        validation on every call, and this runs once per request."""
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = self.requests.labels(
                method, route, str(status)
            )
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = self._histograms[(method, route)] = self.latency.labels(method, route)
        counter.inc()
        histogram.observe(seconds)

    async def refresh_jobs(self, database: Database, now: datetime | None = None) -> None:
        now = now or datetime.now(tz=UTC)
        since, self._latency_since = self._latency_since or now, now
        async with database.system_session() as session:
            backlog = await session.scalar(
                select(func.count()).where(EventRow.dispatched_at.is_(None))
            )
            oldest = await session.scalar(
                select(func.min(JobRow.next_run_at)).where(
                    JobRow.status.in_(("queued", "retrying")), JobRow.next_run_at <= now
                )
            )
            past_lease = await session.scalar(
                select(func.count()).where(JobRow.status == "running", JobRow.locked_until < now)
            )
            delivered = (
                await session.execute(
                    select(JobRow.connector, JobRow.created_at, JobRow.finished_at)
                    .where(
                        JobRow.status == "succeeded",
                        JobRow.finished_at > since,
                        JobRow.finished_at <= now,
                    )
                    .limit(100_000)
                )
            ).all()
            jobs = (
                await session.execute(
                    select(JobRow.connector, JobRow.status, func.count()).group_by(
                        JobRow.connector, JobRow.status
                    )
                )
            ).all()
            pending = (
                await session.execute(
                    select(RetryRow.connector, func.count())
                    .where(RetryRow.status == "pending")
                    .group_by(RetryRow.connector)
                )
            ).all()
        self.jobs.clear()
        self.dead_letters.clear()
        self.retries.clear()
        for connector, status, count in jobs:
            self.jobs.labels(connector, status).set(count)
            if status == "dead":
                self.dead_letters.labels(connector).set(count)
        for connector, count in pending:
            self.retries.labels(connector).set(count)
        self.outbox_backlog.set(backlog or 0)
        self.oldest_runnable.set((now - oldest).total_seconds() if oldest is not None else 0)
        self.past_lease.set(past_lease or 0)
        for connector, created_at, finished_at in delivered:
            seconds = max((finished_at - created_at).total_seconds(), 0.0)
            self.delivery_latency.labels(connector).observe(seconds)

    async def refresh_health(self, kernel: Any) -> None:
        """Live workers and schedulers, and the rate limiter's degradation."""
        try:
            live = await live_processes(
                kernel.database, kernel.clock.now(), kernel.settings.heartbeat_interval
            )
        except Exception:  # an unmigrated table: the job figures above still stand
            live = {}
        for kind, count in live.items():
            self.live_processes.labels(kind).set(count)
        limiter = kernel.runtime().rate_limiter
        if isinstance(limiter, DegradingRateLimiter):
            self.rate_limit_degraded.set(int(limiter.degraded))
            self.rate_limit_outages.set(limiter.outages)
            self.rate_limit_fallback_hits.set(limiter.fallback_hits)


#: The application's metrics (one registry per app, so tests may build several apps).
METRICS: web.AppKey[Metrics] = web.AppKey("monopilot.metrics", Metrics)


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The server's outer layer: request id, problem details and metrics in one middleware
    (each middleware layer costs a call and a coroutine frame on every request)."""
    request_id = assign_request_id(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await with_problem_details(request, handler)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    except web.HTTPException as exc:  # redirects
        status = exc.status_code
        exc.headers["X-Request-ID"] = request_id
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        request.app[METRICS].observe(request.method, route, status, time.perf_counter() - started)
