"""A connector's own concurrency bound: a slow partner (a loopback server that answers in
0.4 s) never has more than its connector's bound of requests in flight, and the jobs of
another connector run meanwhile instead of queuing behind it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from monopilot_integrations.core import Connector, Job, hookimpl
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.testing import create_org_with_admin_key
from monopilot_integrations.core.testing.kernel import started_kernel
from tests.support.schema import truncate_all


@dataclass
class Partner:
    """A loopback HTTP server that counts the requests it holds at once."""

    delay: float
    url: str = ""
    current: int = 0
    peak: int = 0
    served: list[float] = field(default_factory=list)
    #: Set when two requests are held at once.
    two_at_once: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.current += 1
        self.peak = max(self.peak, self.current)
        if self.current >= 2:
            self.two_at_once.set()
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.current -= 1
        self.served.append(asyncio.get_running_loop().time())
        return web.json_response({"ok": True})


async def _post(job: Job) -> None:
    async with aiohttp.ClientSession() as session, session.post(job.payload["url"]) as r:
        r.raise_for_status()


class SlowErp(Connector):
    name = "slowerp"
    max_concurrency = 2

    async def handle(self, job: Job) -> None:
        await _post(job)


class Quick(Connector):
    name = "quick"

    async def handle(self, job: Job) -> None:
        await _post(job)


class TwoConnectors:
    @hookimpl
    def register_connectors(self, register: Callable[[Any], None]) -> None:
        register(SlowErp)
        register(Quick)


@pytest.fixture
def kernel_plugins() -> PluginManager:
    plugins = PluginManager()
    plugins.register(TwoConnectors(), "two-connectors")
    return plugins


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"job_batch_hold": 0.5, "worker_shutdown_grace": 0.0})


@pytest.fixture
async def kernel(
    settings: Settings, kernel_plugins: PluginManager, clock: ManualClock
) -> AsyncIterator[Kernel]:
    """The suite's migrated database (a template copy), with the two connectors."""
    async with started_kernel(settings, kernel_plugins, clock) as started:
        if started.database.is_postgres:
            await truncate_all(started.database)
        yield started


@pytest.fixture
async def partners() -> AsyncIterator[tuple[Partner, Partner]]:
    slow, quick = Partner(0.4), Partner(0.0)
    runners = []
    for partner in (slow, quick):
        app = web.Application()
        app.router.add_post("/", partner.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        partner.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
        runners.append(runner)
    yield slow, quick
    for runner in runners:
        await runner.cleanup()


async def _create(kernel: Kernel, org: uuid.UUID, name: str, url: str, n: int) -> list[uuid.UUID]:
    async with kernel.session(org) as session:
        return await kernel.jobs.create(
            org, name, [JobSpec({"url": url}) for _ in range(n)], session=session
        )


async def _statuses(kernel: Kernel, org: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    async with kernel.session(org) as session:
        rows = await session.execute(select(JobRow.id, JobRow.status).where(JobRow.id.in_(ids)))
        return {row.id: row.status for row in rows}


async def _run_until_done(kernel: Kernel, org: uuid.UUID, ids: list[uuid.UUID], name: str) -> int:
    """Hand the connector's jobs to the batch runner as the sweeper would (again and again
    for the ones left unclaimed) until every one succeeded; returns how many messages."""
    messages = 0
    for _ in range(200):
        statuses = await _statuses(kernel, org, ids)
        if all(s == "succeeded" for s in statuses.values()):
            return messages
        pending = [i for i, s in statuses.items() if s == "queued"]
        if pending:
            messages += 1
            await kernel.runtime().batches.run(org, pending, name)
        else:
            await asyncio.sleep(0.05)
    raise AssertionError(f"not done: {await _statuses(kernel, org, ids)}")


async def test_a_slow_connector_stays_within_its_bound_and_starves_no_one(
    kernel: Kernel, partners: tuple[Partner, Partner]
) -> None:
    slow, quick = partners
    org = (await create_org_with_admin_key(kernel)).id
    slow_ids = await _create(kernel, org, "slowerp", slow.url, 6)
    quick_ids = await _create(kernel, org, "quick", quick.url, 5)

    slow_run = asyncio.create_task(_run_until_done(kernel, org, slow_ids, "slowerp"))
    # Until the first two calls arrive (a busy machine takes longer to claim and send);
    # they then stay in flight 0.4 s each, with four more jobs waiting for the slots.
    await asyncio.wait_for(slow.two_at_once.wait(), timeout=30)
    assert slow.current == 2  # the bound is full ...
    outcomes = await kernel.runtime().batches.run(org, quick_ids, "quick")
    # ... and the other connector's jobs ran to the end meanwhile.
    assert [o.status for o in outcomes] == ["succeeded"] * 5
    assert slow.current > 0 and len(slow.served) < 6

    messages = await slow_run
    assert slow.peak == 2 and len(slow.served) == 6
    assert messages > 1  # jobs that found no slot within the hold went back to the sweeper


async def test_the_operator_setting_overrides_the_declared_bound(
    kernel: Kernel,
    settings: Settings,
    kernel_plugins: PluginManager,
    clock: ManualClock,
    partners: tuple[Partner, Partner],
) -> None:
    slow, _ = partners
    one = settings.model_copy(update={"connector_concurrency": {"slowerp": 1}})
    async with started_kernel(one, kernel_plugins, clock) as kernel:
        org = (await create_org_with_admin_key(kernel)).id
        ids = await _create(kernel, org, "slowerp", slow.url, 3)
        await _run_until_done(kernel, org, ids, "slowerp")
    assert slow.peak == 1 and len(slow.served) == 3


def test_the_setting_reads_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONOPILOT_CONNECTOR_CONCURRENCY", '{"comarch": 4}')
    assert Settings().connector_concurrency == {"comarch": 4}
