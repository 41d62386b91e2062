"""Batched execution: messages carrying many job ids, one claim, concurrent attempts,
grouped and fenced finishes, shutdown hand-back and recovery after SIGKILL.

Runs on SQLite and PostgreSQL (the ``database_url`` fixture). Time is a manual clock; the
only real waits are for attempts that hang on purpose, and nothing asserts on durations.

The module doubles as the worker process the SIGKILL test kills:
``python -m tests.core.jobs.test_job_batches DATABASE_URL DATA_DIR ORG_ID JOB_ID...``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import EventRow, JobRow, LogRow, RetryRow
from monopilot_integrations.core.errors import RetriableError
from monopilot_integrations.core.jobs.outcome import FinishedAttempt
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, ORG_B, all_rows
from tests.support import plugin
from tests.support.fixtures import drain, running_worker
from tests.support.schema import truncate_all

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def batch_kernel(settings: Settings, clock: ManualClock) -> AsyncIterator[Kernel]:
    """The kernel of the ``kernel`` fixture, with a short batch hold and no shutdown grace,
    so a test sees a batch return while one of its attempts hangs."""
    plugin.ATTEMPTS.clear()
    plugin.STARTED.clear()
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    kernel = await Kernel.start(
        settings.model_copy(update={"job_batch_hold": 0.5, "worker_shutdown_grace": 0.0}),
        plugins=plugins,
        clock=clock,
    )
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    yield kernel
    await kernel.close()


async def create(
    kernel: Kernel, payloads: list[dict[str, Any]], org: uuid.UUID = ORG_A
) -> list[Any]:
    """Jobs of the ``flaky`` test connector, committed but not enqueued."""
    flaky = kernel.registry.connector("flaky")
    async with kernel.session(org) as session:
        return await kernel.jobs.create(org, flaky, [JobSpec(p) for p in payloads], session=session)


async def started(settings: Settings, clock: ManualClock, **update: Any) -> Kernel:
    """A kernel with the test plugin, no shutdown grace and ``update`` applied to its
    settings (the caller closes it)."""
    plugin.ATTEMPTS.clear()
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    return await Kernel.start(
        settings.model_copy(update={"worker_shutdown_grace": 0, **update}),
        plugins=plugins,
        clock=clock,
    )


async def jobs_by_id(kernel: Kernel) -> dict[Any, Any]:
    return {job.id: job for job in await all_rows(kernel, JobRow)}


async def test_a_batch_records_success_retry_and_dead_letter_while_a_slow_job_runs(
    batch_kernel: Kernel, clock: ManualClock
) -> None:
    kernel = batch_kernel
    ok, flaky, fatal, slow = await create(
        kernel, [{"n": 1}, {"fail_times": 1}, {"fatal": True}, {"hang": 600}]
    )
    batches = kernel.runtime().batches
    outcomes = await batches.run(ORG_A, [ok, flaky, fatal, slow])

    # The batch returned after its hold with the three quick attempts recorded; the slow
    # one still runs and did not hold back their finish.
    assert {o.job_id: o.status for o in outcomes} == {
        ok: "succeeded",
        flaky: "retrying",
        fatal: "dead",
    }
    jobs = await jobs_by_id(kernel)
    assert (jobs[ok].status, jobs[ok].finished_at) == ("succeeded", clock.now())
    assert (jobs[flaky].status, jobs[flaky].retries) == ("retrying", 1)
    assert jobs[flaky].next_run_at == clock.now() + timedelta(seconds=5)
    assert (jobs[fatal].status, jobs[fatal].dead_reason) == ("dead", "fatal")
    assert (jobs[slow].status, jobs[slow].attempts) == ("running", 1)
    assert batches.in_flight == 1
    logs = {row.job_id: row for row in await all_rows(kernel, LogRow)}
    assert set(logs) == {ok, flaky, fatal}  # one row per finished attempt, none yet for slow
    assert (logs[flaky].status, logs[flaky].http_status) == ("error", 500)
    assert (logs[fatal].error_class, logs[fatal].http_status) == ("FatalError", 422)
    retry = {row.job_id: row for row in await all_rows(kernel, RetryRow)}
    assert set(retry) == {flaky, fatal}
    assert (retry[flaky].status, retry[flaky].log_id) == ("pending", logs[flaky].id)
    assert (retry[fatal].status, retry[fatal].dead_reason) == ("failed", "fatal")

    # The retry runs in a later batch, claimed with its retry row marked in progress.
    clock.advance(5)
    (again,) = await batches.run(ORG_A, [flaky])
    assert again.status == "succeeded"
    retry = {row.job_id: row for row in await all_rows(kernel, RetryRow)}
    assert (retry[flaky].status, retry[flaky].retry_count) == ("succeeded", 1)


async def test_an_attempt_past_its_time_limit_is_cut_off_and_retried(
    settings: Settings, clock: ManualClock
) -> None:
    """Each attempt is cut off at ``job_attempt_timeout`` (here 1 s); the cut is recorded
    as a retriable failure."""
    kernel = await started(settings, clock, job_attempt_timeout=1.0, job_batch_hold=0.2)
    try:
        if kernel.database.is_postgres:
            await truncate_all(kernel.database)
        slow, quick = await create(kernel, [{"hang": 600}, {"n": 1}])
        batches = kernel.runtime().batches
        outcomes = await batches.run(ORG_A, [slow, quick])
        assert {o.job_id: o.status for o in outcomes} == {quick: "succeeded"}
        deadline = time.monotonic() + 20
        while (await jobs_by_id(kernel))[slow].status == "running":
            assert time.monotonic() < deadline, "the hanging attempt was never cut off"
            await asyncio.sleep(0.05)
        job = (await jobs_by_id(kernel))[slow]
        assert (job.status, job.retries) == ("retrying", 1)
        assert job.last_error == "the attempt took longer than 1s"
        (row,) = [r for r in await all_rows(kernel, LogRow) if r.job_id == slow]
        assert (row.status, row.error_class) == ("error", "RetriableError")
        assert batches.in_flight == 0
    finally:
        await kernel.close()


async def test_jobs_are_claimed_only_as_slots_can_take_them(
    settings: Settings, clock: ManualClock
) -> None:
    """A claim starts the lease: batches queued behind busy slots leave their jobs
    unclaimed (``queued``, no lease running) until the jobs already claimed have started,
    so none waits out its lease and is handed out a second time while it still runs."""
    kernel = await started(settings, clock, job_concurrency=2, job_batch_hold=0.2)
    waiting: list[asyncio.Task[Any]] = []
    try:
        if kernel.database.is_postgres:
            await truncate_all(kernel.database)
        slow = await create(kernel, [{"hang": 600}, {"hang": 600}])
        first, second, third, fourth = await create(kernel, [{"n": i} for i in range(4)])
        batches = kernel.runtime().batches
        await batches.run(ORG_A, slow)  # both slots busy from here on

        async def statuses() -> list[str]:
            jobs = await jobs_by_id(kernel)
            return [jobs[j].status for j in (first, second, third, fourth)]

        waiting.append(asyncio.create_task(batches.run(ORG_A, [first, second])))
        deadline = time.monotonic() + 20
        while (await statuses())[:2] != ["running", "running"]:  # claimed, waiting for slots
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        waiting.append(asyncio.create_task(batches.run(ORG_A, [third, fourth])))
        await asyncio.sleep(0.3)
        assert await statuses() == ["running", "running", "queued", "queued"]
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        await kernel.close()
    assert {j for j, _ in plugin.ATTEMPTS} <= {str(j) for j in slow}  # the four never started


async def test_a_batch_larger_than_the_slots_runs_every_job(
    settings: Settings, clock: ManualClock
) -> None:
    """Claimed in turns of at most ``job_concurrency`` jobs, the batch still runs them all."""
    kernel = await started(settings, clock, job_concurrency=3)
    try:
        if kernel.database.is_postgres:
            await truncate_all(kernel.database)
        ids = await create(kernel, [{"n": i} for i in range(8)])
        outcomes = await kernel.runtime().batches.run(ORG_A, ids)
        assert sorted(o.job_id for o in outcomes) == sorted(ids)
        assert {job.status for job in (await jobs_by_id(kernel)).values()} == {"succeeded"}
    finally:
        await kernel.close()


async def test_each_job_of_a_fan_out_gets_a_payload_of_its_own(kernel: Kernel) -> None:
    """Jobs carrying the same payload text each parse their own: one handler changing its
    payload never shows in another's."""
    ids = await create(kernel, [{"bump": {"count": 0}} for _ in range(3)])
    outcomes = await kernel.runtime().batches.run(ORG_A, ids)
    assert {o.status for o in outcomes} == {"succeeded"}
    rows = await all_rows(kernel, LogRow)
    assert [row.request_body for row in rows] == [{"count": 1}] * 3


async def test_a_stale_attempt_in_a_group_is_fenced_and_the_others_are_recorded(
    kernel: Kernel, clock: ManualClock
) -> None:
    """Worker A claims two jobs and stalls past its lease; B re-runs the first and succeeds.
    A's two results are then recorded together: the stale one is logged but cannot undo
    B's success, the other moves its job as usual."""
    first, second = await create(kernel, [{"n": 1}, {"n": 2}])
    engine = kernel.runtime().engine
    stalled = [engine.job_from_row(row) for row in await engine.claim(ORG_A, [first, second])]
    clock.advance(kernel.settings.job_lease_seconds + 1)
    assert (await kernel.run_job(ORG_A, first)).status == "succeeded"  # worker B

    outcomes = await engine.recorder.record(
        ORG_A,
        [
            FinishedAttempt(next(j for j in stalled if j.id == first), RetriableError("late"), 1),
            FinishedAttempt(next(j for j in stalled if j.id == second), None, 1),
        ],
    )
    assert [(o.job_id, o.status) for o in outcomes] == [(first, "stale"), (second, "succeeded")]
    jobs = await jobs_by_id(kernel)
    assert (jobs[first].status, jobs[first].attempts, jobs[first].last_error) == (
        "succeeded",
        2,
        None,
    )
    assert jobs[second].status == "succeeded"
    assert await all_rows(kernel, RetryRow) == []  # the stale failure left no retry row
    logs = await all_rows(kernel, LogRow)
    assert sorted((row.job_id == first, row.status) for row in logs) == [
        (False, "success"),
        (True, "error"),
        (True, "success"),
    ]


async def test_a_batch_skips_jobs_of_another_org_not_yet_due_or_named_twice(
    kernel: Kernel, clock: ManualClock
) -> None:
    (mine,) = await create(kernel, [{"n": 1}])
    (theirs,) = await create(kernel, [{"n": 2}], org=ORG_B)
    flaky = kernel.registry.connector("flaky")
    async with kernel.session(ORG_A) as session:
        (later,) = await kernel.jobs.create(
            ORG_A,
            flaky,
            [JobSpec({"n": 3}, run_at=clock.now() + timedelta(minutes=5))],
            session=session,
        )
    outcomes = await kernel.runtime().batches.run(ORG_A, [mine, theirs, later, mine])
    assert [(o.job_id, o.status) for o in outcomes] == [(mine, "succeeded")]
    jobs = await jobs_by_id(kernel)
    assert (jobs[theirs].status, jobs[theirs].attempts) == ("queued", 0)
    assert (jobs[later].status, jobs[later].attempts) == ("queued", 0)
    assert jobs[mine].attempts == 1
    assert [(str(mine), 1)] == plugin.ATTEMPTS
    assert [row.job_id for row in await all_rows(kernel, LogRow)] == [mine]


async def test_concurrent_batches_naming_the_same_job_run_it_once(kernel: Kernel) -> None:
    """Batches arriving together are claimed in one statement; a job named by two of them
    (a duplicate message) goes to one batch only."""
    a, b, c = await create(kernel, [{"n": 1}, {"n": 2}, {"n": 3}])
    batches = kernel.runtime().batches
    first, second = await asyncio.gather(batches.run(ORG_A, [a, b]), batches.run(ORG_A, [b, c]))
    ran = sorted(str(o.job_id) for o in [*first, *second])
    assert ran == sorted(map(str, [a, b, c]))
    assert sorted(job_id for job_id, _ in plugin.ATTEMPTS) == ran
    assert {job.attempts for job in (await jobs_by_id(kernel)).values()} == {1}


async def test_dispatched_jobs_travel_in_batches_and_each_runs_once(
    kernel: Kernel,
) -> None:
    for n in range(120):
        await kernel.publish(ORG_A, "test.ping", {"n": n})
    assert await kernel.dispatch_pending() == 120
    queue = kernel.broker.queues[kernel.registry.connector("flaky").queue_name()]  # type: ignore[attr-defined]
    size = kernel.settings.job_batch_size
    assert size < 120
    assert queue.qsize() == -(-120 // size)  # one org, one connector: full batches + the rest
    async with running_worker(kernel):
        await drain(kernel)
    jobs = await all_rows(kernel, JobRow)
    assert {job.status for job in jobs} == {"succeeded"}
    assert sorted(job.payload["n"] for job in jobs) == list(range(120))
    assert len(plugin.ATTEMPTS) == 120
    assert len(await all_rows(kernel, LogRow)) == 120
    assert {event.jobs_created for event in await all_rows(kernel, EventRow)} == {1}


async def test_shutdown_hands_back_the_attempts_still_running_in_a_batch(
    batch_kernel: Kernel,
) -> None:
    kernel = batch_kernel
    quick = await create(kernel, [{"n": n} for n in range(3)])
    hanging = await create(kernel, [{"hang": 600}, {"hang": 600}])
    async with running_worker(kernel):
        await kernel.queue.enqueue([queued(job_id) for job_id in [*quick, *hanging]])
        await wait_for(lambda jobs: all(jobs[j].status == "succeeded" for j in quick), kernel)
        await asyncio.to_thread(plugin.STARTED.wait, 30)
    jobs = await jobs_by_id(kernel)
    for job_id in hanging:  # cut short by the shutdown and handed back for the next sweep
        assert (jobs[job_id].status, jobs[job_id].attempts) == ("queued", 1)
        assert (jobs[job_id].locked_until, jobs[job_id].enqueued_at) == (None, None)
    assert {row.job_id for row in await all_rows(kernel, LogRow)} == set(quick)

    assert await kernel.sweep() == 2
    async with running_worker(kernel):
        await drain(kernel)
    jobs = await jobs_by_id(kernel)
    assert {jobs[j].status for j in hanging} == {"succeeded"}  # "hang" is first attempt only
    assert {jobs[j].attempts for j in hanging} == {2}


async def test_a_worker_killed_mid_batch_loses_nothing(
    kernel: Kernel, clock: ManualClock, settings: Settings
) -> None:
    quick = await create(kernel, [{"n": n} for n in range(4)])
    hanging = await create(kernel, [{"hang": 600}, {"hang": 600}])
    worker = subprocess.Popen(  # noqa: ASYNC220 (killed below, never waited on while running)
        [
            sys.executable,
            "-m",
            "tests.core.jobs.test_job_batches",
            settings.resolved_database_url,
            str(settings.data_dir),
            str(ORG_A),
            *(str(job_id) for job_id in [*quick, *hanging]),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        await wait_for(
            lambda jobs: (
                all(jobs[j].status == "succeeded" for j in quick)
                and all(jobs[j].status == "running" for j in hanging)
            ),
            kernel,
            process=worker,
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    jobs = await jobs_by_id(kernel)
    lease_end = max(jobs[j].locked_until for j in hanging)
    clock.set(lease_end - timedelta(seconds=1))
    assert await kernel.sweep() == 0  # the leases still hold
    clock.set(lease_end + timedelta(seconds=1))
    async with running_worker(kernel):
        assert await kernel.sweep() == 2
        await drain(kernel)
    jobs = await jobs_by_id(kernel)
    assert {jobs[j].status for j in [*quick, *hanging]} == {"succeeded"}
    assert {jobs[j].attempts for j in hanging} == {2}
    assert {jobs[j].attempts for j in quick} == {1}
    logs = await all_rows(kernel, LogRow)  # the killed attempts left no row; the reruns did
    assert sorted(str(row.job_id) for row in logs) == sorted(map(str, [*quick, *hanging]))


# --- helpers --------------------------------------------------------------------------


def queued(job_id: Any) -> Any:
    from monopilot_integrations.core.jobs.queue import QueuedJob

    return QueuedJob(ORG_A, job_id, "flaky")


async def wait_for(
    condition: Any, kernel: Kernel, *, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll the jobs until ``condition(jobs_by_id)`` holds (a generous deadline, not a
    timing assertion: it only keeps a broken run from hanging forever)."""
    deadline = time.monotonic() + 60
    while not condition(await jobs_by_id(kernel)):
        assert process is None or process.poll() is None, "the worker process exited early"
        assert time.monotonic() < deadline, "the jobs never reached the expected state"
        await asyncio.sleep(0.05)


async def _worker_process(url: str, data_dir: str, org: str, job_ids: list[str]) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    settings = Settings(
        database_url=url, data_dir=Path(data_dir), embedded_worker=False, job_lease_seconds=30
    )
    kernel = await Kernel.start(settings, plugins=plugins)
    await kernel.runtime().batches.run(uuid.UUID(org), [uuid.UUID(j) for j in job_ids])
    await asyncio.sleep(3600)  # the hanging attempts run on; the test kills the process


if __name__ == "__main__":
    asyncio.run(_worker_process(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
