"""Health, readiness, metrics and the OpenAPI document: public routes."""

from __future__ import annotations

import asyncio
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from monopilot_integrations.core.jobs.heartbeats import SCHEDULER, WORKER, live_processes
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.ratelimit import DegradingRateLimiter
from monopilot_integrations.core.web.problems import Problem, ProblemDetail
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.validation import json_response
from monopilot_integrations.server.metrics import METRICS


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    #: ``degraded``: serving, but rate limits are per process (their Redis is away).
    status: Literal["ready", "degraded"]
    checks: dict[str, str]


def server_version() -> str:
    try:
        return version("monopilot-integrations-server")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return json_response(Health(status="ok"))


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database and the broker answer, a worker and a scheduler are alive
    (503 listing what is missing); a rate-limit Redis that is away makes it ``degraded``
    (still 200: every server shares that Redis, so refusing traffic for it would turn
    per-process limits into a full outage)."""
    kernel = request_kernel(request)
    checks: dict[str, str] = {}
    failed: list[str] = []
    degraded = False
    try:
        await asyncio.wait_for(kernel.database.ping(), 5)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        failed.append("database")
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping_broker, kernel.broker), 5)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}"
        failed.append("broker")
    if "database" not in failed:
        await _check_processes(kernel, checks, failed)
    limiter = kernel.runtime().rate_limiter
    if isinstance(limiter, DegradingRateLimiter):
        try:
            healthy = await asyncio.wait_for(limiter.check(), 5)
        except Exception:
            healthy = False
        if healthy:
            checks["rate_limits"] = "ok"
        else:
            degraded = True
            checks["rate_limits"] = "degraded: Redis unreachable, limits are per process"
    if failed:
        raise Problem(503, f"not ready: {', '.join(failed)}", checks=checks)
    return json_response(Readiness(status="degraded" if degraded else "ready", checks=checks))


async def _check_processes(kernel: Any, checks: dict[str, str], failed: list[str]) -> None:
    """A worker and a scheduler must be alive: a fresh heartbeat row of another process,
    or this process's own (the embedded mode's in-process worker and scheduler)."""
    try:
        live = await asyncio.wait_for(
            live_processes(kernel.database, kernel.clock.now(), kernel.settings.heartbeat_interval),
            5,
        )
    except Exception as exc:
        checks["processes"] = f"unknown: {type(exc).__name__}"
        return
    here = {WORKER: kernel.worker is not None, SCHEDULER: SCHEDULER in kernel.heartbeat.roles}
    for role, name in ((WORKER, "workers"), (SCHEDULER, "scheduler")):
        count = max(live.get(role, 0), int(here[role]))
        checks[name] = f"{count} alive" if count else "none alive"
        if not count:
            failed.append(name)


def _ping_broker(broker: Any) -> None:
    client = getattr(broker, "client", None)
    if client is not None and hasattr(client, "ping"):
        client.ping()
        return
    connection = getattr(broker, "connection", None)
    if connection is not None and not connection.is_open:  # RabbitMQ
        raise ConnectionError("RabbitMQ connection closed")


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    kernel = request_kernel(request)
    await registry.refresh_jobs(kernel.database, kernel.clock.now())
    await registry.refresh_health(kernel)
    body = generate_latest(registry.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    from monopilot_integrations.server.openapi import build_openapi

    document = request.app.get(_OPENAPI)
    if document is None:
        registry = request_kernel(request).registry
        document = build_openapi(
            registry.routes.values(),
            title="MonoPilot Integrations",
            version=server_version(),
            event_types=registry.event_types.values(),
        )
    return web.json_response(document)


_OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("monopilot.openapi", dict)

SYSTEM_ROUTES = [
    Route(
        "GET",
        "/healthz",
        healthz,
        name="system.healthz",
        public=True,
        summary="Liveness",
        tags=("system",),
        response_model=Health,
    ),
    Route(
        "GET",
        "/readyz",
        readyz,
        name="system.readyz",
        public=True,
        summary="Readiness: database and broker reachable, a worker and a scheduler alive",
        tags=("system",),
        response_model=Readiness,
        responses={503: ProblemDetail},
    ),
    Route(
        "GET",
        "/metrics",
        metrics,
        name="system.metrics",
        public=True,
        summary="Prometheus metrics",
        tags=("system",),
    ),
    Route(
        "GET",
        "/api/openapi.json",
        openapi,
        name="system.openapi",
        public=True,
        summary="This document",
        tags=("system",),
    ),
]
