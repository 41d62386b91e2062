"""A throwaway plugin for kernel tests: a connector whose behaviour the payload controls.

``test.ping`` data:
* ``fail_times``: the first N attempts raise RetriableError (``retry_after`` optional);
* ``defer_times``: the first N attempts raise DeferredError (busy: no retry spent);
* ``fatal``: every attempt raises FatalError;
* ``crash``: every attempt raises a plain exception (a bug in a handler);
* ``hang``: the first attempt sleeps that many seconds (a stuck partner, a killed worker);
* ``echo``: recorded as the attempt's request body (masking tests);
* ``bump``: the handler adds one to ``bump["count"]`` in its payload and records it.
Every attempt appends ``(job id, attempt number)`` to ``ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from monopilot_integrations.core import (
    Connector,
    DeferredError,
    FatalError,
    Job,
    RetriableError,
    hookimpl,
)
from monopilot_integrations.core.events import EventType
from monopilot_integrations.core.jobs.retry import RetryPolicy

ATTEMPTS: list[tuple[str, int]] = []
STARTED = threading.Event()

PING = EventType(
    "test.ping",
    {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "fail_times": {"type": "integer", "minimum": 0},
            "defer_times": {"type": "integer", "minimum": 0},
            "retry_after": {"type": "number"},
            "fatal": {"type": "boolean"},
            "crash": {"type": "boolean"},
            "hang": {"type": "number"},
            "echo": {},
            "bump": {"type": "object"},
            "secrets": {"type": "array", "items": {"type": "string"}},
            "nul": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "A test event.",
    {"n": 1},
)


class FlakyConnector(Connector):
    name = "flaky"
    consumes = ("test.ping",)
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 5
    external_system = "flaky-partner"

    async def handle(self, job: Job) -> None:
        ATTEMPTS.append((str(job.id), job.attempt))
        payload: dict[str, Any] = job.payload
        if "echo" in payload:
            job.record(request=payload["echo"], secrets=payload.get("secrets", []))
        if "bump" in payload:  # a handler changing its own payload
            payload["bump"]["count"] += 1
            job.record(request=payload["bump"])
        if payload.get("nul"):  # a partner answering with a NUL byte in its body
            job.record(response={"note": "bad\x00byte"})
        if payload.get("hang") and job.attempt == 1:
            STARTED.set()
            await asyncio.sleep(float(payload["hang"]))
        if payload.get("fatal"):
            raise FatalError("partner rejected the document", http_status=422)
        if payload.get("crash"):
            raise KeyError("bug")
        if job.attempt <= int(payload.get("defer_times", 0)):
            raise DeferredError(f"partner busy (attempt {job.attempt})", retry_after=2.0)
        if job.attempt <= int(payload.get("fail_times", 0)):
            raise RetriableError(
                f"partner answered 500 (attempt {job.attempt})",
                http_status=500,
                retry_after=payload.get("retry_after"),
            )
        job.record(response={"ok": True}, http_status=200)


class ManualConnector(FlakyConnector):
    name = "manual"
    consumes = ()
    retry_policy = RetryPolicy.MANUAL


@hookimpl
def register_connectors(register: Callable[[Any], None]) -> None:
    register(FlakyConnector)
    register(ManualConnector)


@hookimpl
def register_event_types(register: Callable[[Any], None]) -> None:
    register(PING)


TICKS: list[str] = []


async def reconcile(job: Job) -> None:
    """A job handler outside a connector's ``handle`` (register_job_handlers)."""
    ATTEMPTS.append((str(job.id), job.attempt))
    job.record(request={"kind": job.kind, "payload": job.payload}, external_system="ledger")
    if job.payload.get("fail"):
        raise RetriableError("ledger busy")


async def tick(kernel: Any) -> None:
    TICKS.append(str(len(kernel.registry.connectors)))


@hookimpl
def register_job_handlers(register: Callable[[Any], None]) -> None:
    from monopilot_integrations.core.plugins.registration import JobHandler

    register(JobHandler("reconcile", "flaky", reconcile))


@hookimpl
def register_periodic_tasks(register: Callable[[Any], None]) -> None:
    from monopilot_integrations.core.plugins.registration import PeriodicTask

    register(PeriodicTask("tick", 0.02, tick))
