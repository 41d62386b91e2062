"""Thousands of events (10,000 with MONOPILOT_FAULT_EVENTS=10000; 1,000 in CI) to four endpoints while things break, on PostgreSQL and a Redis broker
with two real worker processes:

* three endpoints fail a third of their requests at random (500);
* one endpoint is down for a minute (connections refused), then comes back;
* a worker process is killed with SIGKILL twice (and replaced);
* the Redis broker is killed and started again once (it keeps nothing: every message
  waiting in it is lost, and the jobs table has to bring them back).

At the end every event has reached every endpoint (the operator's ``recover`` re-sends
what died while the endpoint was down, as the runbook says), repeats carry the delivery id
and body of the first, and no job is left waiting. The Redis server is the test's own
(``RedisProcess``), so killing it disturbs nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from monopilot_integrations.connectors.webhooks.api.deliveries import recover
from monopilot_integrations.connectors.webhooks.api.models import WebhookRecoverRequest
from monopilot_integrations.core.clock import SystemClock
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.connectors.webhooks.conftest import ORG_A, connector, create_webhook
from tests.connectors.webhooks.worker_main import settings_for
from tests.support import plugin
from tests.support.owned_services import free_port
from tests.support.redis_server import RedisProcess
from tests.support.schema import truncate_all

ROOT = Path(__file__).resolve().parents[3]
# CI runs 1,000 events (4,000 deliveries); MONOPILOT_FAULT_EVENTS=10000 is the full proof run.
EVENTS = int(os.environ.get("MONOPILOT_FAULT_EVENTS", "1000"))

# Bounded, and in proportion: the full run's 40,000 deliveries take many times CI's.
SETTLE_SECONDS = max(600, EVENTS // 4)
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(SETTLE_SECONDS + 600)]
FLAKY = 3
DOWN_FOR = 60.0


@dataclass
class Endpoint:
    """A receiver on its own loopback address; ``fail_rate`` of requests answer 500, and
    while ``down`` it is not listening at all."""

    host: str
    fail_rate: float = 0.0
    port: int = field(default_factory=free_port)
    delivered: dict[int, set[str]] = field(default_factory=dict)  # event number -> ids
    bodies: dict[str, bytes] = field(default_factory=dict)  # delivery id -> first body
    repeats: int = 0
    changed_bodies: int = 0
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if random.random() < self.fail_rate:
            return web.Response(status=500)
        delivery = request.headers["X-MonoPilot-Delivery-ID"]
        number = int(json.loads(body)["data"]["po_number"].removeprefix("PO-"))
        ids = self.delivered.setdefault(number, set())
        if delivery in self.bodies:
            self.repeats += 1
            self.changed_bodies += self.bodies[delivery] != body
        else:
            self.bodies[delivery] = body
        ids.add(delivery)
        return web.Response(status=204)

    async def up(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()

    async def down(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
def owned_redis() -> Iterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def fault_kernel(
    postgres_url: str, owned_redis: RedisProcess, tmp_path: Path
) -> AsyncIterator[tuple[Kernel, list[str]]]:
    args = [postgres_url, str(tmp_path), owned_redis.url, f"faults-{uuid.uuid4().hex[:8]}"]
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    settings: Settings = settings_for(*args)
    kernel = await Kernel.start(settings, plugins=plugins, clock=SystemClock())
    await truncate_all(kernel.database)
    yield kernel, args
    await connector(kernel).close()
    await kernel.close()


def start_worker(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.connectors.webhooks.worker_main", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@contextlib.asynccontextmanager
async def endpoints() -> AsyncIterator[list[Endpoint]]:
    made = [Endpoint(f"127.0.0.{n + 2}", fail_rate=1 / 3) for n in range(FLAKY)]
    made.append(Endpoint(f"127.0.0.{FLAKY + 2}"))  # the one that goes down
    for endpoint in made:
        await endpoint.up()
    try:
        yield made
    finally:
        for endpoint in made:
            await endpoint.down()


async def test_every_event_reaches_every_endpoint_through_kills_and_a_broker_restart(
    fault_kernel: tuple[Kernel, list[str]], owned_redis: RedisProcess, tmp_path: Path
) -> None:
    kernel, args = fault_kernel
    async with endpoints() as receivers:
        webhooks = [
            await create_webhook(
                kernel,
                endpoint.url,
                name=endpoint.host,
                events=["order.created"],
                retry_policy="immediate",
                max_retries=3,
            )
            for endpoint in receivers
        ]
        started = kernel.clock.now()
        for first in range(0, EVENTS, 500):
            async with kernel.session(ORG_A) as session:
                for n in range(first, min(first + 500, EVENTS)):
                    data = {"po_id": str(uuid.uuid4()), "po_number": f"PO-{n}"}
                    data |= {"supplier_code": "MLYN", "status": "draft"}
                    await kernel.publish(ORG_A, "order.created", data, session=session)

        workers = [start_worker(args, tmp_path / f"worker{n}.log") for n in range(2)]
        expected = EVENTS * len(receivers)
        down = receivers[-1]
        faults = {"killed": 0, "redis": False, "down_at": None, "up_at": None}

        def delivered() -> int:
            return sum(len(e.delivered) for e in receivers)

        async def inject() -> None:
            """The faults, each once the deliveries have reached a given share."""
            share = delivered() / expected
            if faults["down_at"] is None and share > 0.05:
                await down.down()
                faults["down_at"] = time.monotonic()
            elif (
                faults["up_at"] is None
                and faults["down_at"] is not None
                and time.monotonic() - faults["down_at"] > DOWN_FOR
            ):
                await down.up()
                faults["up_at"] = time.monotonic()
            kills_at = (0.2, 0.6)  # shares of the deliveries
            if faults["killed"] < len(kills_at) and share > kills_at[faults["killed"]]:
                victim = workers[faults["killed"]]
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                workers[faults["killed"]] = start_worker(args, tmp_path / "worker-new.log")
                faults["killed"] += 1
            if not faults["redis"] and share > 0.4:
                await asyncio.to_thread(owned_redis.stop)
                await asyncio.sleep(1)
                await asyncio.to_thread(owned_redis.start)
                faults["redis"] = True

        async def settled() -> bool:
            return not (await job_states(kernel)).keys() & {"queued", "running", "retrying"}

        try:
            deadline = time.monotonic() + SETTLE_SECONDS
            recoveries = 0
            while True:
                for worker in workers:
                    assert worker.poll() is None, "a worker process died on its own"
                await kernel.dispatch_pending()
                await kernel.sweep()
                await inject()
                if faults["up_at"] is not None and delivered() == expected:
                    break
                if faults["up_at"] is not None and recoveries < 5 and await settled():
                    # The runbook after an outage: re-send what died meanwhile (again, if
                    # a flaky endpoint failed a re-sent delivery four times over).
                    window = WebhookRecoverRequest(since=started - timedelta(minutes=1))
                    for webhook in webhooks:
                        await recover(kernel, ORG_A, webhook.id, window)
                    recoveries += 1
                assert time.monotonic() < deadline, (
                    f"{delivered()} of {expected} deliveries after {SETTLE_SECONDS} s; "
                    f"faults {faults}"
                )
                await asyncio.sleep(0.5)
            async with asyncio.timeout(120):
                while not await settled() or (await job_states(kernel)).get("dead"):
                    # A delivery that arrived but whose success was lost with a killed
                    # worker ran again, and may have died on a flaky endpoint: re-send it.
                    if await settled() and recoveries < 10:
                        window = WebhookRecoverRequest(since=started - timedelta(minutes=1))
                        for webhook in webhooks:
                            await recover(kernel, ORG_A, webhook.id, window)
                        recoveries += 1
                    await kernel.dispatch_pending()
                    await kernel.sweep()
                    await asyncio.sleep(0.5)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGKILL)
                worker.wait()

    assert faults["killed"] == 2 and faults["redis"]
    for endpoint in receivers:
        assert set(endpoint.delivered) == set(range(EVENTS)), endpoint.host
        assert endpoint.changed_bodies == 0  # a repeat is the same delivery, byte for byte
        assert all(len(ids) == 1 for ids in endpoint.delivered.values())  # one id per pair
    # One job per (event, endpoint), all done: nothing planned twice, nothing left waiting.
    assert await job_states(kernel) == {"succeeded": expected}
    repeats = sum(e.repeats for e in receivers)
    print(
        f"\n{expected} deliveries, {repeats} repeated (at least once), "
        f"{recoveries} recover round(s), faults {faults}"
    )


async def job_states(kernel: Kernel) -> dict[str, int]:
    async with kernel.database.system_session() as session:
        rows = await session.execute(
            select(JobRow.status, func.count())
            .where(JobRow.connector == "webhooks")
            .group_by(JobRow.status)
        )
        return {status: count for status, count in rows.all()}
