"""Honest readiness and metrics: no worker or scheduler alive is not ready; their
heartbeats, the outbox backlog, the oldest runnable job, jobs past their lease and
delivery latency are in /metrics."""

from __future__ import annotations

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.jobs.heartbeats import SCHEDULER, WORKER, ProcessHeartbeat
from tests.core.helpers import ORG_A, all_rows

from .conftest import Server


def other_process(server: Server, clock: ManualClock, *roles: str) -> ProcessHeartbeat:
    """The heartbeat another process (a ``worker`` command) writes."""
    beat = ProcessHeartbeat(
        lambda: server.kernel.database, clock, interval=server.kernel.settings.heartbeat_interval
    )
    beat.roles.update(roles)
    return beat


async def test_not_ready_without_a_live_worker_and_scheduler(
    server: Server, clock: ManualClock
) -> None:
    response = await server.client.get("/readyz")
    problem = await response.json()
    assert response.status == 503
    assert problem["detail"] == "not ready: workers, scheduler"
    assert problem["checks"]["workers"] == problem["checks"]["scheduler"] == "none alive"

    worker = other_process(server, clock, WORKER)
    await worker.beat_once()
    problem = await (await server.client.get("/readyz")).json()
    assert problem["detail"] == "not ready: scheduler"  # the worker counts now
    scheduler = other_process(server, clock, SCHEDULER)
    await scheduler.beat_once()
    response = await server.client.get("/readyz")
    assert response.status == 200
    checks = (await response.json())["checks"]
    assert (checks["workers"], checks["scheduler"]) == ("1 alive", "1 alive")
    metrics = await (await server.client.get("/metrics")).text()
    assert 'monopilot_live_processes{kind="worker"} 1.0' in metrics

    # The worker dies (no clean stop): three intervals later it no longer counts.
    clock.advance(server.kernel.settings.heartbeat_interval * 3 + 1)
    await scheduler.beat_once()
    response = await server.client.get("/readyz")
    assert response.status == 503 and (await response.json())["detail"] == "not ready: workers"
    await scheduler.stop()  # a clean stop removes its row at once
    problem = await (await server.client.get("/readyz")).json()
    assert problem["detail"] == "not ready: workers, scheduler"


async def test_metrics_report_backlog_waiting_jobs_expired_leases_and_latency(
    server: Server, clock: ManualClock
) -> None:
    kernel = server.kernel
    await kernel.publish(ORG_A, "test.ping", {"n": 1})

    def value(text: str, name: str) -> float:
        (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
        return float(line.split()[1])

    text = await (await server.client.get("/metrics")).text()
    assert value(text, "monopilot_outbox_backlog") == 1
    await kernel.dispatch_pending()
    clock.advance(30)
    text = await (await server.client.get("/metrics")).text()
    assert value(text, "monopilot_outbox_backlog") == 0
    assert value(text, "monopilot_oldest_runnable_job_age_seconds") == 30

    await kernel.publish(ORG_A, "test.ping", {"n": 2})
    await kernel.dispatch_pending()
    engine = kernel.runtime().engine
    stuck, quick = sorted(await all_rows(kernel, JobRow), key=lambda j: j.created_at)
    await engine.claim(ORG_A, [stuck.id])  # a worker claims it, then dies
    clock.advance(kernel.settings.job_lease_seconds + 1)
    assert (await kernel.run_job(ORG_A, quick.id)).status == "succeeded"
    text = await (await server.client.get("/metrics")).text()
    assert value(text, "monopilot_jobs_running_past_lease") == 1
    assert value(text, "monopilot_oldest_runnable_job_age_seconds") == 0
    count = 'monopilot_delivery_latency_seconds_count{connector="flaky"}'
    assert value(text, count) == 1
    # Latency from creation to success (the manual clock moved 31 s meanwhile).
    assert value(text, 'monopilot_delivery_latency_seconds_sum{connector="flaky"}') == 31
    text = await (await server.client.get("/metrics")).text()
    assert value(text, count) == 1  # each success is observed once
