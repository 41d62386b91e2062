"""The job engine end to end: outbox -> dispatcher -> Dramatiq -> attempts -> retries.

Time is a manual clock: schedules are checked by moving it, never by sleeping.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow, JobRow, LogRow, RetryRow
from monopilot_integrations.core.errors import UnknownNameError
from monopilot_integrations.core.jobs.claims import CLAIMED
from monopilot_integrations.core.jobs.engine import JobEngine
from monopilot_integrations.core.kernel import Kernel
from tests.core.helpers import ORG_A, all_rows
from tests.support import plugin
from tests.support.fixtures import drain, running_worker


async def publish_and_dispatch(kernel: Kernel, data: dict) -> JobRow:
    await kernel.publish(ORG_A, "test.ping", data)
    assert await kernel.dispatch_pending() == 1
    jobs = await all_rows(kernel, JobRow)
    assert len(jobs) == 1
    return jobs[0]


async def test_job_failing_twice_then_succeeding_is_retried_on_schedule(
    kernel: Kernel, clock: ManualClock
) -> None:
    async with running_worker(kernel):
        job = await publish_and_dispatch(kernel, {"fail_times": 2})
        await drain(kernel)
        job = (await all_rows(kernel, JobRow))[0]
        assert job.status == "retrying"
        assert job.next_run_at == clock.now() + timedelta(seconds=5)

        clock.advance(4.9)
        assert await kernel.sweep() == 0  # not due yet
        clock.advance(0.1)
        assert await kernel.sweep() == 1
        await drain(kernel)
        job = (await all_rows(kernel, JobRow))[0]
        assert job.status == "retrying"
        assert job.next_run_at == clock.now() + timedelta(seconds=30)

        clock.advance(30)
        assert await kernel.sweep() == 1
        await drain(kernel)

    job = (await all_rows(kernel, JobRow))[0]
    assert job.status == "succeeded"
    assert job.attempts == 3
    assert [a for _, a in plugin.ATTEMPTS] == [1, 2, 3]
    logs = sorted(await all_rows(kernel, LogRow), key=lambda r: r.retry_count)
    assert [(r.status, r.retry_count, r.http_status) for r in logs] == [
        ("error", 0, 500),
        ("error", 1, 500),
        ("success", 2, 200),
    ]
    assert all(r.job_id == job.id and r.integration_type == "flaky" for r in logs)
    assert all(r.external_system == "flaky-partner" and r.event_type == "test.ping" for r in logs)
    assert logs[0].error_message == "partner answered 500 (attempt 1)"
    assert logs[0].error_class == "RetriableError"
    retry = (await all_rows(kernel, RetryRow))[0]
    assert (retry.status, retry.retry_count, retry.log_id) == ("succeeded", 2, logs[2].id)


async def test_fatal_error_goes_straight_to_the_dead_letter_queue(kernel: Kernel) -> None:
    async with running_worker(kernel):
        await publish_and_dispatch(kernel, {"fatal": True})
        await drain(kernel)
    job = (await all_rows(kernel, JobRow))[0]
    assert (job.status, job.dead_reason, job.attempts) == ("dead", "fatal", 1)
    retry = (await all_rows(kernel, RetryRow))[0]
    assert (retry.status, retry.dead_reason) == ("failed", "fatal")
    (log,) = await all_rows(kernel, LogRow)
    assert (log.status, log.http_status, log.error_class) == ("error", 422, "FatalError")


async def test_retries_stop_at_max_retries_then_redrive_gives_a_fresh_budget(
    kernel: Kernel, clock: ManualClock
) -> None:
    await kernel.publish(ORG_A, "test.ping", {"fail_times": 100})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    schedule = []
    while True:
        outcome = await kernel.run_job(ORG_A, job.id)
        if outcome.status == "dead":
            break
        assert outcome.next_run_at is not None
        schedule.append((outcome.next_run_at - clock.now()).total_seconds())
        clock.set(outcome.next_run_at)
    assert schedule == [5, 30, 300, 1800, 7200]
    (job,) = await all_rows(kernel, JobRow)
    assert (job.status, job.dead_reason, job.attempts) == ("dead", "exhausted", 6)
    assert len(await all_rows(kernel, LogRow)) == 6

    await kernel.jobs.redrive(ORG_A, job.id)
    outcome = await kernel.run_job(ORG_A, job.id)
    assert outcome.status == "retrying"  # a fresh budget: retry 1 of 5 again
    (job,) = await all_rows(kernel, JobRow)
    assert (job.retries, job.attempts) == (1, 7)


async def test_unexpected_exception_is_retried_and_named_in_the_log(kernel: Kernel) -> None:
    await kernel.publish(ORG_A, "test.ping", {"crash": True})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    outcome = await kernel.run_job(ORG_A, job.id)
    assert outcome.status == "retrying"
    (log,) = await all_rows(kernel, LogRow)
    assert log.error_class == "KeyError"
    assert log.error_message == "KeyError: 'bug'"


async def test_retry_after_is_honoured_up_to_the_cap(kernel: Kernel, clock: ManualClock) -> None:
    await kernel.publish(ORG_A, "test.ping", {"fail_times": 1, "retry_after": 120})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    outcome = await kernel.run_job(ORG_A, job.id)
    assert outcome.next_run_at == clock.now() + timedelta(seconds=120)


async def test_manual_policy_dead_letters_on_first_failure_and_skip_and_retry_now(
    kernel: Kernel, clock: ManualClock
) -> None:
    from monopilot_integrations.core.connector import JobSpec

    manual = kernel.registry.connector("manual")
    (job_id,) = await kernel.jobs.create(ORG_A, manual, [JobSpec({"fail_times": 1})])
    outcome = await kernel.run_job(ORG_A, job_id)
    assert outcome.status == "dead"
    job = await kernel.jobs.get(ORG_A, job_id)
    assert job.dead_reason == "manual"

    flaky = kernel.registry.connector("flaky")
    (other,) = await kernel.jobs.create(ORG_A, flaky, [JobSpec({"fail_times": 5})])
    assert (await kernel.run_job(ORG_A, other)).status == "retrying"
    await kernel.jobs.retry_now(ORG_A, other)
    assert (await kernel.run_job(ORG_A, other)).status == "retrying"  # ran before its time
    await kernel.jobs.skip(ORG_A, other)
    job = await kernel.jobs.get(ORG_A, other)
    assert (job.status, job.dead_reason) == ("dead", "skipped")


async def test_jobs_are_created_by_connector_name_too(kernel: Kernel) -> None:
    from monopilot_integrations.core.connector import JobSpec

    (job_id,) = await kernel.jobs.create(ORG_A, "manual", [JobSpec({"fail_times": 1})])
    job = await kernel.jobs.get(ORG_A, job_id)
    assert (job.connector, job.retry_policy) == ("manual", "manual")
    with pytest.raises(UnknownNameError, match="no connector 'nosuch' is registered"):
        await kernel.jobs.create(ORG_A, "nosuch", [JobSpec({})])


async def test_redrive_window_takes_only_that_windows_dead_jobs(
    kernel: Kernel, clock: ManualClock
) -> None:
    from monopilot_integrations.core.connector import JobSpec

    flaky = kernel.registry.connector("flaky")
    early = await kernel.jobs.create(ORG_A, flaky, [JobSpec({"fatal": True})])
    await kernel.run_job(ORG_A, early[0])
    clock.advance(hours=2)
    start = clock.now()
    late = await kernel.jobs.create(ORG_A, flaky, [JobSpec({"fatal": True})] * 2)
    for job_id in late:
        await kernel.run_job(ORG_A, job_id)
    count = await kernel.jobs.redrive_window(
        ORG_A, connector="flaky", since=start, until=start + timedelta(minutes=1)
    )
    assert count == 2
    statuses = {j.id: j.status for j in await all_rows(kernel, JobRow)}
    assert statuses[early[0]] == "dead"
    assert {statuses[i] for i in late} == {"queued"}


async def test_dead_letters_are_purged_after_retention(kernel: Kernel, clock: ManualClock) -> None:
    await kernel.publish(ORG_A, "test.ping", {"fatal": True})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    await kernel.run_job(ORG_A, job.id)
    clock.advance(days=29)
    sweeper = kernel.runtime().sweeper
    assert await sweeper.purge_once() == (0, 0)
    clock.advance(days=1, seconds=1)
    assert await sweeper.purge_once() == (1, 1)
    assert await all_rows(kernel, JobRow) == []
    assert await all_rows(kernel, RetryRow) == []
    assert await all_rows(kernel, EventRow) == []
    assert len(await all_rows(kernel, LogRow)) == 1  # the audit trail stays


async def test_duplicate_message_for_a_finished_job_is_a_no_op(kernel: Kernel) -> None:
    await kernel.publish(ORG_A, "test.ping", {})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    assert (await kernel.run_job(ORG_A, job.id)).status == "succeeded"
    assert (await kernel.run_job(ORG_A, job.id)).status == "skipped"
    assert len(plugin.ATTEMPTS) == 1


async def test_a_job_cannot_be_run_or_redriven_from_another_organisation(
    kernel: Kernel,
) -> None:
    from monopilot_integrations.core.errors import NotFoundError
    from tests.core.helpers import ORG_B

    await kernel.publish(ORG_A, "test.ping", {"fatal": True})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    assert (await kernel.run_job(ORG_B, job.id)).status == "skipped"
    assert (await kernel.run_job(ORG_A, job.id)).status == "dead"
    with pytest.raises(NotFoundError):
        await kernel.jobs.redrive(ORG_B, job.id)
    with pytest.raises(NotFoundError):
        await kernel.jobs.get(ORG_B, job.id)


async def test_unknown_connector_of_an_old_job_is_dead_lettered_not_crashed(
    kernel: Kernel,
) -> None:
    from sqlalchemy import update

    await kernel.publish(ORG_A, "test.ping", {})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    async with kernel.database.system_session() as session:
        await session.execute(update(JobRow).values(connector="uninstalled"))
    outcome = await kernel.run_job(ORG_A, job.id)
    assert outcome.status == "dead"
    assert "not installed" in (outcome.error or "")


async def test_log_rows_are_not_visible_across_orgs(kernel: Kernel) -> None:
    from tests.core.helpers import ORG_B

    await kernel.publish(ORG_A, "test.ping", {})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    await kernel.run_job(ORG_A, job.id)
    async with kernel.session(ORG_B) as session:
        rows = (await session.execute(select(LogRow).where(LogRow.org_id == ORG_B))).all()
    assert rows == []


async def test_jobs_of_an_uninstalled_connector_are_dead_lettered_by_the_sweeper(
    kernel: Kernel,
) -> None:
    from sqlalchemy import update

    await kernel.publish(ORG_A, "test.ping", {})
    await kernel.dispatch_pending()
    async with kernel.database.system_session() as session:
        await session.execute(update(JobRow).values(connector="uninstalled", enqueued_at=None))
    assert await kernel.sweep() == 0
    (job,) = await all_rows(kernel, JobRow)
    assert (job.status, job.dead_reason) == ("dead", "fatal")
    assert job.last_error == "its connector is not installed"


async def test_an_attempt_that_lost_its_lease_cannot_undo_the_rerun(
    kernel: Kernel, clock: ManualClock
) -> None:
    """Worker A stalls past its lease, B re-runs and succeeds, then A fails: B's wins."""
    from monopilot_integrations.core.errors import RetriableError
    from monopilot_integrations.core.jobs.engine import job_from_row

    await kernel.publish(ORG_A, "test.ping", {})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    engine = kernel.runtime().engine
    stalled = job_from_row(await engine._claim(ORG_A, job.id))  # worker A's claim
    clock.advance(kernel.settings.job_lease_seconds + 1)
    assert (await kernel.run_job(ORG_A, job.id)).status == "succeeded"  # worker B
    late = await engine._finish(stalled, RetriableError("timeout"), 1)  # A wakes up
    assert late.status == "stale"
    (job,) = await all_rows(kernel, JobRow)
    assert job.status == "succeeded"
    assert len(await all_rows(kernel, LogRow)) == 2  # both attempts are on record


async def test_a_nul_character_in_an_attempts_record_is_stored_not_fatal(
    kernel: Kernel,
) -> None:
    await kernel.publish(ORG_A, "test.ping", {"nul": True, "fail_times": 1})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    outcome = await kernel.run_job(ORG_A, job.id)
    assert outcome.status == "retrying"
    (log,) = await all_rows(kernel, LogRow)
    assert log.response_body == {"note": "bad\ufffdbyte"}


async def test_a_deferred_attempt_runs_again_without_spending_a_retry(
    kernel: Kernel, clock: ManualClock
) -> None:
    async with running_worker(kernel):
        await publish_and_dispatch(kernel, {"defer_times": 2, "fail_times": 3})
        await drain(kernel)
        for _ in range(2):  # two deferrals, each due 2 s later, no retry spent
            job = (await all_rows(kernel, JobRow))[0]
            assert (job.status, job.retries) == ("retrying", 0)
            assert job.next_run_at == clock.now() + timedelta(seconds=2)
            clock.advance(2)
            assert await kernel.sweep() == 1
            await drain(kernel)
        # attempt 3 is a real failure: now the retry budget is spent, on its schedule
        job = (await all_rows(kernel, JobRow))[0]
        assert (job.status, job.retries) == ("retrying", 1)
        assert job.next_run_at == clock.now() + timedelta(seconds=5)

    logs = sorted(await all_rows(kernel, LogRow), key=lambda r: r.timestamp)
    assert [(r.status, r.retry_count, r.error_class) for r in logs] == [
        ("warning", 0, "DeferredError"),
        ("warning", 0, "DeferredError"),
        ("error", 0, "RetriableError"),
    ]
    retry = (await all_rows(kernel, RetryRow))[0]
    assert (retry.status, retry.retry_count) == ("pending", 1)


def test_a_claimed_row_becomes_a_job_column_by_column() -> None:
    """Claimed rows are read by column name; each value must land in its own field."""
    values = {
        "id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "connector": "webhooks",
        "kind": "default",
        "payload": '{"body": {"event": "order.created"}}',
        "event_id": uuid.uuid4(),
        "event_type": "order.created",
        "subject_id": "webhook-7",
        "attempts": 3,
        "retries": 2,
        "max_retries": 5,
        "retry_policy": "exponential",
        "created_at": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    }
    Row = namedtuple("Row", [column.name for column in CLAIMED])  # type: ignore[misc]
    job = JobEngine.job_from_row(Row(**values))
    assert (job.id, job.org_id, job.event_id) == (
        values["id"],
        values["org_id"],
        values["event_id"],
    )
    assert (job.connector, job.kind, job.event_type, job.subject_id) == (
        "webhooks",
        "default",
        "order.created",
        "webhook-7",
    )
    assert (job.attempt, job.retries, job.max_retries, job.retry_policy) == (
        3,
        2,
        5,
        "exponential",
    )
    assert job.payload == {"body": {"event": "order.created"}}
    assert job.created_at == values["created_at"]


async def test_a_redriven_job_that_succeeds_closes_its_retry_queue_row(
    kernel: Kernel,
) -> None:
    from monopilot_integrations.core.connector import JobSpec

    manual = kernel.registry.connector("manual")
    (job_id,) = await kernel.jobs.create(ORG_A, manual, [JobSpec({"fail_times": 1})])
    assert (await kernel.run_job(ORG_A, job_id)).status == "dead"  # no retries spent
    await kernel.jobs.redrive(ORG_A, job_id)
    assert (await kernel.run_job(ORG_A, job_id)).status == "succeeded"
    (retry,) = await all_rows(kernel, RetryRow)
    (job,) = await all_rows(kernel, JobRow)
    assert (job.status, job.retries) == ("succeeded", 0)
    assert (retry.status, retry.dead_reason, retry.next_retry_at) == ("succeeded", None, None)
