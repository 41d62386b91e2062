"""Prometheus metrics: requests and latencies (counted per process), and the job engine's
state per connector (read from the database at scrape time, so every process reports the
same, true figures)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import JobRow, RetryRow
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

    async def refresh_jobs(self, database: Database) -> None:
        async with database.system_session() as session:
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
