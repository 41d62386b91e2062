"""Health, readiness, metrics and the OpenAPI document: public routes."""

from __future__ import annotations

import asyncio
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem, ProblemDetail
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.validation import json_response
from monopilot_integrations.server.metrics import METRICS


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
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
    """Readiness: the database and the broker answer."""
    kernel = request_kernel(request)
    checks: dict[str, str] = {}
    failed: list[str] = []
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
    if failed:
        raise Problem(503, f"not ready: {', '.join(failed)} unreachable", checks=checks)
    return json_response(Readiness(status="ready", checks=checks))


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
    await registry.refresh_jobs(request_kernel(request).database)
    body = generate_latest(registry.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    from monopilot_integrations.server.openapi import build_openapi

    document = request.app.get(_OPENAPI)
    if document is None:
        document = build_openapi(
            request_kernel(request).registry.routes.values(),
            title="MonoPilot Integrations",
            version=server_version(),
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
        summary="Readiness: database and broker reachable",
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
