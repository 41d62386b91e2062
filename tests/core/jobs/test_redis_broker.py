"""The same job flow over Dramatiq's Redis broker against a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin, services
from tests.support.fixtures import drain, running_worker
from tests.support.schema import truncate_all

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_kernel(settings: Settings, clock: ManualClock) -> AsyncIterator[Kernel]:
    url = services.need("redis", services.REDIS_URL)
    namespace = f"monopilot-test-{uuid.uuid4().hex[:8]}"
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    plugin.ATTEMPTS.clear()
    kernel = await Kernel.start(
        settings.model_copy(update={"broker_url": url, "broker_namespace": namespace}),
        plugins=plugins,
        clock=clock,
    )
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    yield kernel
    await kernel.close()
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


async def test_redis_broker_runs_retries_on_schedule(
    redis_kernel: Kernel, clock: ManualClock
) -> None:
    kernel = redis_kernel
    async with running_worker(kernel):
        await kernel.publish(ORG_A, "test.ping", {"fail_times": 1})
        assert await kernel.dispatch_pending() == 1
        await drain(kernel)
        (job,) = await all_rows(kernel, JobRow)
        assert job.status == "retrying"
        clock.advance(5)
        assert await kernel.sweep() == 1
        await drain(kernel)
    (job,) = await all_rows(kernel, JobRow)
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert len(await all_rows(kernel, LogRow)) == 2


async def test_redis_broker_delivers_many_jobs_exactly_once_each(
    redis_kernel: Kernel,
) -> None:
    kernel = redis_kernel
    async with running_worker(kernel):
        for n in range(50):
            await kernel.publish(ORG_A, "test.ping", {"n": n})
        assert await kernel.dispatch_pending() == 50
        await drain(kernel)
    jobs = await all_rows(kernel, JobRow)
    assert {j.status for j in jobs} == {"succeeded"}
    assert sorted(j.payload["n"] for j in jobs) == list(range(50))
    assert len(plugin.ATTEMPTS) == 50
    assert all(j.next_run_at <= j.finished_at + timedelta(0) for j in jobs)
