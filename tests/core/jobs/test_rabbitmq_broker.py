"""The job flow over Dramatiq's RabbitMQ broker against a real RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin, services
from tests.support.fixtures import running_worker
from tests.support.schema import truncate_all

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def rabbit_kernel(settings: Settings, clock: ManualClock) -> AsyncIterator[Kernel]:
    url = services.need("rabbitmq", services.RABBITMQ_URL)
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    plugin.ATTEMPTS.clear()
    kernel = await Kernel.start(
        settings.model_copy(update={"broker_url": url}), plugins=plugins, clock=clock
    )
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    for queue in kernel.queue.queue_names:
        kernel.broker.flush(queue)
    yield kernel
    await kernel.close()
    kernel.broker.close()


async def test_rabbitmq_broker_runs_jobs(rabbit_kernel: Kernel) -> None:
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


async def test_deployments_on_one_vhost_use_their_own_queues(
    settings: Settings, clock: ManualClock
) -> None:
    """Two deployments with different ``broker_namespace`` on one RabbitMQ vhost: one's
    messages land on its own queue only, never on the other's."""
    url = services.need("rabbitmq", services.RABBITMQ_URL)
    tag = uuid.uuid4().hex[:8]
    kernels = []
    for namespace in (f"mp-a-{tag}", f"mp-b-{tag}"):
        plugins = PluginManager()
        plugins.register(plugin, "kernel-tests")
        kernels.append(
            await Kernel.start(
                settings.model_copy(update={"broker_url": url, "broker_namespace": namespace}),
                plugins=plugins,
                clock=clock,
                embedded_worker=False,
            )
        )
    first, second = kernels
    try:
        if first.database.is_postgres:
            await truncate_all(first.database)
        assert f"mp-a-{tag}.flaky" in first.queue.queue_names
        assert all(q.startswith(f"mp-b-{tag}.") for q in second.queue.queue_names)
        for n in range(3):
            await first.publish(ORG_A, "test.ping", {"n": n})
        assert await first.dispatch_pending() == 3
        counts = {
            q: first.broker.get_queue_message_counts(q)[0]  # type: ignore[attr-defined]
            for q in first.queue.queue_names + second.queue.queue_names
        }
        # One message (a batch of the three jobs) on the first deployment's queue only.
        assert {q: n for q, n in counts.items() if n} == {f"mp-a-{tag}.flaky": 1}
    finally:
        for kernel in kernels:
            for queue in kernel.queue.queue_names:
                for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                    kernel.broker.channel.queue_delete(name)  # type: ignore[attr-defined]
            await kernel.close()
            kernel.broker.close()
