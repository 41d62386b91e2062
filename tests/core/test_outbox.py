"""The transactional outbox, broker outages and workers that die mid-job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow, JobRow, LogRow
from monopilot_integrations.core.errors import UnknownEventTypeError, ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.support import plugin
from tests.support.fixtures import drain, running_worker
from tests.support.redis_server import RedisProcess
from tests.support.schema import truncate_all

from .helpers import ORG_A, ORG_B, all_rows

ROOT = Path(__file__).resolve().parents[2]


class Boom(Exception):
    pass


async def test_event_published_in_a_rolled_back_transaction_is_never_dispatched(
    kernel: Kernel,
) -> None:
    with pytest.raises(Boom):
        async with kernel.session(ORG_A) as session:
            await kernel.publish(ORG_A, "test.ping", {"n": 1}, session=session)
            raise Boom
    assert await kernel.dispatch_pending() == 0
    assert await all_rows(kernel, EventRow) == []

    async with kernel.session(ORG_A) as session:
        await kernel.publish(ORG_A, "test.ping", {"n": 2}, session=session)
    assert await kernel.dispatch_pending() == 1
    (job,) = await all_rows(kernel, JobRow)
    assert job.payload == {"n": 2}


async def test_publish_refuses_unknown_types_and_invalid_data_with_every_problem(
    kernel: Kernel,
) -> None:
    with pytest.raises(UnknownEventTypeError, match=r"unknown event type 'test\.pong'"):
        await kernel.publish(ORG_A, "test.pong", {})
    with pytest.raises(ValidationError) as info:
        await kernel.publish(ORG_A, "test.ping", {"n": "one", "extra": 1})
    paths = {e["path"] for e in info.value.errors}
    assert paths == {"/", "/n"}
    with pytest.raises(ValidationError, match="NUL character"):
        await kernel.publish(ORG_A, "test.ping", {"echo": "a\u0000b"})
    with pytest.raises(ValidationError, match="not JSON-serialisable"):
        await kernel.publish(ORG_A, "test.ping", {"n": float("nan")})
    with pytest.raises(ValueError, match="another organisation"):
        async with kernel.session(ORG_B) as session:
            await kernel.publish(ORG_A, "test.ping", {}, session=session)
    assert await all_rows(kernel, EventRow) == []


async def test_catalog_event_types_validate_their_examples(kernel: Kernel) -> None:
    for name, event_type in kernel.registry.event_types.items():
        assert event_type.example, f"{name} has no example"
        await kernel.publish(ORG_A, str(name), event_type.example)


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    process = RedisProcess()
    yield process
    process.stop()


async def test_event_published_while_the_broker_is_down_is_delivered_once_it_is_back(
    settings: Settings, clock: ManualClock, redis_process: RedisProcess
) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    settings = settings.model_copy(update={"broker_url": redis_process.url})
    kernel = await Kernel.start(settings, plugins=plugins, clock=clock)
    try:
        if kernel.database.is_postgres:
            await truncate_all(kernel.database)
        # The broker is down (never started yet): publishing and dispatching still work.
        await kernel.publish(ORG_A, "test.ping", {"n": 1})
        assert await kernel.dispatch_pending() == 1  # jobs written; the enqueue failed
        (job,) = await all_rows(kernel, JobRow)
        assert (job.status, job.enqueued_at) == ("queued", None)
        assert await kernel.sweep() == 0  # still down: nothing handed out, nothing lost

        redis_process.start()
        async with running_worker(kernel):
            assert await kernel.sweep() == 1
            await drain(kernel)
        (job,) = await all_rows(kernel, JobRow)
        assert job.status == "succeeded"
    finally:
        await kernel.close()


async def test_a_lost_message_is_re_enqueued_after_requeue_after(kernel: Kernel, clock) -> None:
    await kernel.publish(ORG_A, "test.ping", {"n": 1})
    await kernel.dispatch_pending()
    for queue in kernel.queue.queue_names:  # the in-memory broker restarted: messages gone
        kernel.broker.flush(queue)
    assert await kernel.sweep() == 0  # a message may still be on its way
    clock.advance(kernel.settings.requeue_after + 1)
    async with running_worker(kernel):
        assert await kernel.sweep() == 1
        await drain(kernel)
    (job,) = await all_rows(kernel, JobRow)
    assert job.status == "succeeded"


async def test_a_worker_killed_in_the_middle_of_a_job_does_not_lose_it(
    kernel: Kernel, clock, settings
) -> None:
    await kernel.publish(ORG_A, "test.ping", {"hang": 600})
    await kernel.dispatch_pending()
    for queue in kernel.queue.queue_names:  # the worker below took the message with it
        kernel.broker.flush(queue)
    (job,) = await all_rows(kernel, JobRow)
    worker = subprocess.Popen(  # noqa: ASYNC220 (killed below, never waited on while running)
        [
            sys.executable,
            "-m",
            "tests.support.worker_process",
            settings.resolved_database_url,
            str(settings.data_dir),
            str(ORG_A),
            str(job.id),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            (job,) = await all_rows(kernel, JobRow)
            if job.status == "running":
                break
            assert worker.poll() is None, "the worker process exited early"
            assert time.monotonic() < deadline, "the worker never started the job"
            await asyncio.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert job.locked_until is not None
    clock.set(job.locked_until - timedelta(seconds=1))
    assert await kernel.sweep() == 0  # the lease still holds
    clock.set(job.locked_until + timedelta(seconds=1))
    async with running_worker(kernel):
        assert await kernel.sweep() == 1
        await drain(kernel)
    (job,) = await all_rows(kernel, JobRow)
    assert (job.status, job.attempts) == ("succeeded", 2)
    (log,) = await all_rows(kernel, LogRow)  # the killed attempt left no row; the rerun did
    assert log.status == "success"


async def test_publish_wakes_the_embedded_dispatcher(kernel: Kernel) -> None:
    kernel.start_scheduler()
    async with running_worker(kernel):
        await kernel.publish(ORG_A, "test.ping", {"n": 1})
        deadline = time.monotonic() + 10
        while True:
            async with kernel.database.system_session() as session:
                status = await session.scalar(select(JobRow.status))
            if status == "succeeded":
                break
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
