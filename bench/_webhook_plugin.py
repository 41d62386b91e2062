"""A bench-local webhooks connector: the same signed POST the real connector sends.

It stands in for ``connectors/webhooks`` (still being written) so the kernel's delivery
path can be measured and tuned now. Per event it plans one job per endpoint; an attempt
builds the document's body ``{"event", "timestamp", "org_id", "data"}``, signs it twice
(``X-MonoPilot-Signature`` and the Standard Webhooks headers), posts it through one pooled
aiohttp session and records request and response in the attempt's log row.

Configured by environment (it is loaded in the bench process and in worker processes):
``BENCH_RECEIVER_URL`` (``http://127.0.0.1:PORT``), ``BENCH_ENDPOINTS`` (default 10) and
``BENCH_SPREAD`` (``1``: each event goes to one endpoint, round robin, instead of all).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

from monopilot_integrations.core import (
    Connector,
    Event,
    EventType,
    Job,
    JobSpec,
    RetriableError,
    hookimpl,
)

#: A Standard Webhooks secret; ``X-MonoPilot-Signature`` is keyed with its text, the
#: ``webhook-signature`` with the bytes it encodes (as the webhooks connector does).
SECRET_TEXT = "whsec_" + base64.b64encode(bytes(range(32))).decode()
SECRET = SECRET_TEXT.encode()
SECRET_KEY = bytes(range(32))
EVENT_TYPE = "bench.workorder_completed"

BENCH_EVENT = EventType(EVENT_TYPE, {"type": "object"}, "A ~1 KB benchmark event.")
#: ``--spread`` with the real connector: webhook ``i`` subscribes to ``spread_type(i)`` only.
SPREAD_EVENTS = [
    EventType(f"{EVENT_TYPE}_{i}", {"type": "object"}, "A benchmark event for one webhook.")
    for i in range(100)
]


#: Receivers listen on this many loopback addresses (127.0.0.1, 127.0.0.2, ...: Linux routes
#: all of 127/8 to lo), so endpoint ``n`` is its own host, as different receivers would be,
#: for the baseline and the kernel alike (pools and per-host limits work per host).
RECEIVER_HOSTS = 10


def endpoint_url(base: str, n: int) -> str:
    """The URL of endpoint ``n``: ``base`` (``http://127.0.0.1:PORT``) with the host
    ``127.0.0.{n % RECEIVER_HOSTS + 1}``."""
    port = base.rsplit(":", 1)[1]
    return f"http://127.0.0.{n % RECEIVER_HOSTS + 1}:{port}/hooks/{n}"


def spread_type(i: int) -> str:
    return f"{EVENT_TYPE}_{i}"


def real_connector() -> bool:
    """Deliver through ``connectors/webhooks`` (``BENCH_CONNECTOR=real``), not this one."""
    return os.environ.get("BENCH_CONNECTOR") == "real"


def sample_data(n: int) -> dict[str, Any]:
    """A work order completion of about 1 KB, like the architecture document's example."""
    return {
        "n": n,
        "wo_number": f"WO-2026-{n:06d}",
        "product_name": "Bread Loaf White 500g",
        "qty_completed": 1000,
        "completed_at": "2026-11-26T09:30:00Z",
        "lines": [
            {"lot": f"LOT-{n}-{i}", "qty": 100, "location": "WH-01/A-12", "operator": "j.smith"}
            for i in range(8)
        ],
        "published_at": time.time(),
    }


def signed_request(body: bytes, delivery_id: str, event_type: str) -> dict[str, str]:
    """Both signature schemes of the issue, as a real sender computes them."""
    stamp = str(int(time.time()))
    body_sig = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    std_sig = base64.b64encode(
        hmac.new(SECRET_KEY, f"{delivery_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return {
        "Content-Type": "application/json",
        "X-MonoPilot-Signature": f"sha256={body_sig}",
        "X-MonoPilot-Event": event_type,
        "X-MonoPilot-Delivery-ID": delivery_id,
        "webhook-id": delivery_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{std_sig}",
    }


class BenchWebhooks(Connector):
    name = "benchhooks"
    consumes = (EVENT_TYPE,)
    integration_type = "webhook"

    _sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession]

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._sessions = {}
        self.base_url = os.environ.get("BENCH_RECEIVER_URL", "http://127.0.0.1:8099")
        self.endpoints = int(os.environ.get("BENCH_ENDPOINTS", "10"))
        self.spread = os.environ.get("BENCH_SPREAD") == "1"

    async def plan(self, event: Event) -> Sequence[JobSpec]:
        payload = {
            "event": event.type,
            "timestamp": event.occurred_at.isoformat(),
            "data": event.data,
        }
        if self.spread:
            targets = [int(event.data.get("n", 0)) % self.endpoints]
        else:
            targets = list(range(self.endpoints))
        return [
            JobSpec(payload={**payload, "endpoint": i}, subject_id=f"hook-{i}") for i in targets
        ]

    async def close(self) -> None:
        """Close the pooled sessions (the kernel calls this when its runtime closes)."""
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    def session(self) -> aiohttp.ClientSession:
        """One pooled session per event loop (made on the loop that uses it)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, limit_per_host=64),
                timeout=aiohttp.ClientTimeout(total=30),
            )
            self._sessions[loop] = session
        return session

    async def handle(self, job: Job) -> None:
        payload = job.payload
        document = {
            "event": payload["event"],
            "timestamp": payload["timestamp"],
            "org_id": str(job.org_id),
            "data": payload["data"],
        }
        body = json.dumps(document, separators=(",", ":")).encode()
        headers = signed_request(body, str(job.id), payload["event"])
        url = endpoint_url(self.base_url, int(payload["endpoint"]))
        job.record(request={"url": url, "headers": headers, "body": body}, secrets=[])
        try:
            async with self.session().post(url, data=body, headers=headers) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetriableError(f"{type(exc).__name__}: {exc}") from exc
        job.record(response={"status": status, "body": text}, http_status=status)
        if not 200 <= status < 300:
            raise RetriableError(f"endpoint answered {status}", http_status=status)


@hookimpl
def register_connectors(register: Callable[[Any], None]) -> None:
    if not real_connector():
        register(BenchWebhooks)


@hookimpl
def register_event_types(register: Callable[[Any], None]) -> None:
    register(BENCH_EVENT)
    for event_type in SPREAD_EVENTS:
        register(event_type)
