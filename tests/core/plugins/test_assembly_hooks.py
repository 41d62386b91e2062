"""Job handlers and periodic tasks registered by plugins run through the kernel."""

from __future__ import annotations

import asyncio
import time

from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.kernel import Kernel
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin
from tests.support.fixtures import drain, running_worker


async def test_register_job_handlers_handler_runs_on_its_connectors_queue(
    kernel: Kernel,
) -> None:
    flaky = kernel.registry.connector("flaky")
    async with running_worker(kernel):
        ids = await kernel.jobs.create(
            ORG_A,
            flaky,
            [JobSpec({"n": 1}, kind="reconcile"), JobSpec({"fail": True}, kind="reconcile")],
        )
        await drain(kernel)
    ok = await kernel.jobs.get(ORG_A, ids[0])
    failing = await kernel.jobs.get(ORG_A, ids[1])
    assert (ok.status, failing.status) == ("succeeded", "retrying")
    logs = {r.job_id: r for r in await all_rows(kernel, LogRow)}
    assert logs[ids[0]].external_system == "ledger"
    assert logs[ids[0]].event_type == "reconcile"
    assert logs[ids[1]].error_message == "ledger busy"


async def test_unknown_job_kind_is_dead_lettered_with_a_clear_error(kernel: Kernel) -> None:
    flaky = kernel.registry.connector("flaky")
    (job_id,) = await kernel.jobs.create(ORG_A, flaky, [JobSpec({}, kind="nosuch")])
    outcome = await kernel.run_job(ORG_A, job_id)
    assert outcome.status == "dead"
    assert outcome.error == "no job handler 'nosuch' is registered for connector 'flaky'"


async def test_register_periodic_tasks_task_runs_repeatedly_under_the_scheduler(
    kernel: Kernel,
) -> None:
    plugin.TICKS.clear()
    kernel.start_scheduler()
    deadline = time.monotonic() + 10
    while len(plugin.TICKS) < 3:
        assert time.monotonic() < deadline, "the periodic task did not run"
        await asyncio.sleep(0.02)
    await kernel.scheduler.stop()
    assert plugin.TICKS[0] == str(len(kernel.registry.connectors))
