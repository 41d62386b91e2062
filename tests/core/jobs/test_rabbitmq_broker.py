"""The job flow over Dramatiq's RabbitMQ broker against a real RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.integrations import Integrations
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin, services
from tests.support.fixtures import running_worker
from tests.support.schema import truncate_all

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def rabbit_kernel(settings: Settings, clock: ManualClock) -> AsyncIterator[Integrations]:
    url = services.need("rabbitmq", services.RABBITMQ_URL)
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    plugin.ATTEMPTS.clear()
    kernel = await Integrations.start(
        settings.model_copy(update={"broker_url": url}), plugins=plugins, clock=clock
    )
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    for queue in kernel.queue.queue_names:
        kernel.broker.flush(queue)
    yield kernel
    await kernel.close()
    kernel.broker.close()


async def test_rabbitmq_broker_runs_jobs(rabbit_kernel: Integrations) -> None:
    import asyncio
    import time

    kernel = rabbit_kernel
    async with running_worker(kernel):
        for n in range(5):
            await kernel.publish(ORG_A, "test.ping", {"n": n})
        assert await kernel.dispatch_pending() == 5
        deadline = time.monotonic() + 60
        while True:
            jobs = await all_rows(kernel, JobRow)
            if {j.status for j in jobs} == {"succeeded"}:
                break
            assert time.monotonic() < deadline, [j.status for j in jobs]
            await asyncio.sleep(0.1)
    assert sorted(j.payload["n"] for j in jobs) == list(range(5))
    assert uuid.UUID(str(jobs[0].id))
