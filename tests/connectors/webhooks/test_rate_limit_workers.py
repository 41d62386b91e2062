"""A webhook's rate limit holds across two worker processes sharing Redis, and every
delivery over it waits for its turn: none is dropped or dead-lettered."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
from aiohttp import web

from monopilot_integrations.core.clock import SystemClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook, jobs
from tests.connectors.webhooks.receiver import Receiver
from tests.connectors.webhooks.worker_main import settings_for
from tests.support import plugin, services
from tests.support.schema import truncate_all

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
EVENTS, RATE = 24, 4


class TimedReceiver(Receiver):
    """Notes when each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.arrivals.append(time.monotonic())
        return await super().handle(request)


@pytest.fixture
async def shared(settings: Settings) -> AsyncIterator[tuple[Kernel, list[str]]]:
    redis_url = services.need("redis", services.REDIS_URL)
    namespace = f"monopilot-webhooks-rate-{uuid.uuid4().hex[:8]}"
    args = [settings.resolved_database_url, str(settings.data_dir), redis_url, namespace]
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    kernel = await Kernel.start(settings_for(*args), plugins=plugins, clock=SystemClock())
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    yield kernel, args
    await connector(kernel).close()
    await kernel.close()
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*")) + list(client.scan_iter("mp:rl:webhook:*"))
    if keys:
        client.delete(*keys)
    client.close()


def start_worker(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # Short in-process waits: deliveries further back are deferred, and come back.
        "MONOPILOT_WEBHOOKS_RATE_LIMIT_WAIT_SECONDS": "1",
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.connectors.webhooks.worker_main", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_the_rate_limit_holds_across_two_worker_processes(
    shared: tuple[Kernel, list[str]], tmp_path: Path
) -> None:
    kernel, args = shared
    receiver = TimedReceiver()
    await receiver.start()
    workers = [start_worker(args, tmp_path / f"worker{n}.log") for n in (1, 2)]
    try:
        await create_webhook(kernel, receiver.url, events=["order.created"], rate_limit=RATE)
        for n in range(EVENTS):
            await kernel.publish(
                ORG_A,
                "order.created",
                {
                    "po_id": str(uuid.uuid4()),
                    "po_number": f"PO-{n}",
                    "supplier_code": "MLYN",
                    "status": "draft",
                },
            )
        assert await kernel.dispatch_pending() == EVENTS
        async with asyncio.timeout(90):
            while {j.status for j in await jobs(kernel)} != {"succeeded"}:
                for n, worker in enumerate(workers, 1):
                    assert worker.poll() is None, (tmp_path / f"worker{n}.log").read_text()
                await kernel.sweep()  # deferred deliveries come back when due
                await asyncio.sleep(0.3)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        await receiver.stop()

    assert len(receiver.received) == EVENTS  # every one, once: none dropped
    assert all(j.retries == 0 for j in await jobs(kernel))  # waiting spent no retry
    times = sorted(receiver.arrivals)
    # Spread at RATE a second: the span covers the gaps, and no second holds more than
    # RATE (plus one for arrival jitter).
    assert times[-1] - times[0] >= (EVENTS - 1) / RATE - 0.5
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + 1.0)
        assert in_window <= RATE + 1, (i, in_window)
