"""A worker process killed (SIGKILL) in the middle of a burst of deliveries, with the
Redis broker: after a new worker starts, every event is delivered; duplicates (at least
once) carry the same delivery id."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis

from monopilot_integrations.core.clock import SystemClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook, jobs
from tests.connectors.webhooks.receiver import Answer, Receiver
from tests.connectors.webhooks.worker_main import settings_for
from tests.support import plugin, services
from tests.support.schema import truncate_all

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 40


@pytest.fixture
async def crash_kernel(settings: Settings) -> AsyncIterator[tuple[Kernel, list[str]]]:
    redis_url = services.need("redis", services.REDIS_URL)
    namespace = f"monopilot-webhooks-crash-{uuid.uuid4().hex[:8]}"
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
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


def start_worker(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.connectors.webhooks.worker_main", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_sigkill_during_a_burst_loses_no_delivery(
    crash_kernel: tuple[Kernel, list[str]], receiver: Receiver, tmp_path: Path
) -> None:
    kernel, args = crash_kernel
    receiver.default = Answer(200, delay=0.1)
    await create_webhook(kernel, receiver.url, events=["order.created"])
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
    assert await kernel.dispatch_pending() == EVENTS  # messages now wait in Redis

    first = start_worker(args, tmp_path / "worker1.log")
    try:
        async with asyncio.timeout(60):
            while len(receiver.received) < 5:  # mid-burst
                assert first.poll() is None, (tmp_path / "worker1.log").read_text()
                await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    delivered_before = len(receiver.received)
    assert delivered_before < EVENTS, "the burst finished before the kill; nothing was tested"

    second = start_worker(args, tmp_path / "worker2.log")
    try:
        async with asyncio.timeout(90):
            while True:
                states = {j.status for j in await jobs(kernel)}
                if states == {"succeeded"}:
                    break
                assert second.poll() is None, (tmp_path / "worker2.log").read_text()
                await kernel.sweep()  # leases of the killed worker's jobs expire: re-enqueued
                await asyncio.sleep(0.5)
    finally:
        second.send_signal(signal.SIGKILL)  # its work is done and recorded
        second.wait()

    all_jobs = await jobs(kernel)
    assert len(all_jobs) == EVENTS  # one delivery per event: no event planned twice
    numbers = {json.loads(r.body)["data"]["po_number"] for r in receiver.received}
    assert numbers == {f"PO-{n}" for n in range(EVENTS)}  # every event arrived
    ids = receiver.delivery_ids()
    assert set(ids) == {str(j.id) for j in all_jobs}
    # At least once: a repeat is the same delivery (same id, same body) a receiver drops.
    by_id: dict[str, set[bytes]] = {}
    for r in receiver.received:
        by_id.setdefault(r.headers["X-MonoPilot-Delivery-ID"], set()).add(r.body)
    assert all(len(bodies) == 1 for bodies in by_id.values())
