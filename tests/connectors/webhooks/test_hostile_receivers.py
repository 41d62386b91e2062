"""Receivers that misbehave, beside one that works, with a real in-process worker:

* one accepts the connection and never answers;
* one answers 200 and then streams a 1 GB body, slowly;
* one redirects to a private address (the cloud metadata service).

Each is handled within the delivery timeout (2 s here) and the response cap (the 1 GB body is not
read: the server manages to send a few megabytes at most before the client hangs up), and
the working receiver gets every event meanwhile (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from monopilot_integrations.core.clock import SystemClock
from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import ORG_A, create_webhook, jobs, webhook_logs
from tests.support.owned_services import free_port

EVENTS = 30
GIGABYTE = 1 << 30
CHUNK = 64 * 1024


HOSTS = {"good": "127.0.0.2", "hang": "127.0.0.3", "huge": "127.0.0.4", "redirect": "127.0.0.5"}


class Hostile:
    """Four receivers, each on its own loopback address as different hosts would be (the
    client's connection pool is per host: receivers sharing one host and port also share
    its connections)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.good: list[str] = []
        self.huge_bytes_sent = 0
        self.hanging = 0
        self.released = asyncio.Event()
        self.runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://{HOSTS[path]}:{self.port}/{path}"

    async def good_hook(self, request: web.Request) -> web.Response:
        self.good.append((await request.json())["data"]["po_number"])
        return web.Response(status=204)

    async def hang(self, request: web.Request) -> web.Response:
        self.hanging += 1
        await self.released.wait()  # until the test ends
        return web.Response(status=204)

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Length": str(GIGABYTE)})
        await response.prepare(request)
        chunk = b"x" * CHUNK
        try:
            while self.huge_bytes_sent < GIGABYTE:
                await response.write(chunk)
                self.huge_bytes_sent += CHUNK
                await asyncio.sleep(0.001)
        except (ConnectionError, RuntimeError):  # the client hung up: what we want
            pass
        return response

    async def redirect(self, request: web.Request) -> web.Response:
        return web.Response(status=307, headers={"Location": "http://169.254.169.254/latest"})

    async def __aenter__(self) -> Hostile:
        app = web.Application()
        app.router.add_post("/good", self.good_hook)
        app.router.add_post("/hang", self.hang)
        app.router.add_post("/huge", self.huge)
        app.router.add_post("/redirect", self.redirect)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        for host in HOSTS.values():
            await web.TCPSite(self.runner, host, self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.released.set()
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
def clock() -> SystemClock:
    """Real time: a receiver's deferrals and timeouts run out as they would in production."""
    return SystemClock()


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    async with Hostile() as receivers:
        yield receivers


async def test_hostile_receivers_are_contained_and_the_good_one_gets_everything(
    kernel: Kernel, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short timeout, but not so short that a busy machine's well-behaved receiver misses it.
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("MONOPILOT_WEBHOOKS_BUSY_WAIT_SECONDS", "0.2")
    paths = {}
    for path in ("good", "hang", "huge", "redirect"):
        made = await create_webhook(
            kernel, hostile.url(path), name=path, events=["order.created"], max_retries=0
        )
        paths[made.id] = path
    for n in range(EVENTS):
        data = {"po_id": f"00000000-0000-4000-8000-{n:012d}", "po_number": f"PO-{n}"}
        await kernel.publish(
            ORG_A, "order.created", data | {"supplier_code": "M", "status": "draft"}
        )
    kernel.start_worker()
    try:
        await kernel.dispatch_pending()
        deadline = asyncio.get_running_loop().time() + 90  # nothing waits on the 1 GB body
        while True:
            states = [j.status for j in await jobs(kernel)]
            if not {"queued", "running", "retrying"} & set(states):
                break
            assert asyncio.get_running_loop().time() < deadline, (
                f"states {await states_by_path(kernel, paths)}, good {len(hostile.good)}, "
                f"huge sent {hostile.huge_bytes_sent}, hanging {hostile.hanging}"
            )
            await kernel.sweep()  # the scheduler's round: due retries and deferrals go back
            await asyncio.sleep(0.2)
    finally:
        assert kernel.worker is not None
        await asyncio.to_thread(kernel.worker.stop)
        kernel.worker = None

    assert sorted(hostile.good) == sorted(f"PO-{n}" for n in range(EVENTS))
    assert hostile.hanging >= 1
    # The 1 GB body is never read: the cap (a few KB) and then the connection closes.
    assert 0 < hostile.huge_bytes_sent < 64 * 1024 * 1024, hostile.huge_bytes_sent
    logs = await webhook_logs(kernel)
    by_path: dict[str, list[str]] = {}
    for log in logs:
        by_path.setdefault(paths[log.webhook_id], []).append(log.error_message or log.status)
    # Every attempt ended in the receiver's own failure, or waited its turn behind the
    # webhook's in-flight bound (a slow receiver holds 16 at a time, no more).
    for path, expected in (("hang", "timeout"), ("redirect", "redirect"), ("huge", "success")):
        outcomes = by_path[path]
        assert sum(expected in m for m in outcomes) == EVENTS, (path, set(outcomes))
        assert all(expected in m or "already in flight" in m for m in outcomes), path
    for log in logs:
        assert len(str(log.response_body or "")) < 70_000  # the stored response is capped


async def states_by_path(kernel: Kernel, paths: dict[object, str]) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for job in await jobs(kernel):
        path = paths.get(uuid.UUID(job.subject_id) if job.subject_id else None, "?")
        found.setdefault(path, {}).setdefault(job.status, 0)
        found[path][job.status] += 1
    return found
