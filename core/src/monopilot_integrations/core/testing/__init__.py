"""pytest fixtures for connector tests.

Load them from the top ``conftest.py`` of your tests::

    pytest_plugins = ["monopilot_integrations.core.testing"]

This needs ``pytest`` and ``pytest-asyncio`` (the ``testing`` extra of
``monopilot-integrations-core``). Nothing else in the kernel imports this package,
so pytest never becomes a dependency of a deployment.

Fixtures (override any of them in your own ``conftest.py``):

``clock``
    A :class:`~monopilot_integrations.core.clock.ManualClock` the kernel reads the time from;
    ``clock.advance(seconds=...)`` makes retries come due without waiting.
``database_url``
    A SQLite file in the test's temporary folder.
``settings``
    Test settings on that database: no worker threads (the test drives jobs with
    ``kernel.dispatch_pending()`` and ``kernel.run_job()``), no retry jitter, cheap key hashes.
``kernel_plugins``
    The plugin manager: every installed plugin (entry points). Override it to add one
    registered by hand.
``kernel``
    A started :class:`~monopilot_integrations.core.kernel.Kernel` on a database
    migrated with core's and every plugin's branch.
``org``
    An organisation (:class:`TestOrg`) with an API key holding every registered scope.
``receiver``
    A started :class:`LoopbackReceiver`: a real HTTP server on 127.0.0.1 recording requests
    and answering from a script (``receiver.answer(Answer(503))``).
``api``
    The assembled server (``monopilot_integrations.server``) on loopback, as an aiohttp
    test client; requests with ``headers=org.headers`` are the organisation's.

Helpers: :func:`run_pending_jobs` (dispatch events, run every due job once),
:func:`create_org_with_admin_key`, :func:`started_kernel`, :func:`settings_for_tests`.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.testing.kernel import (
    CLOCK_START,
    TestOrg,
    create_org_with_admin_key,
    migrate_database,
    run_pending_jobs,
    settings_for_tests,
    sqlite_url,
    started_kernel,
)
from monopilot_integrations.core.testing.receiver import Answer, LoopbackReceiver, Received

__all__ = [
    "CLOCK_START",
    "Answer",
    "LoopbackReceiver",
    "Received",
    "TestOrg",
    "create_org_with_admin_key",
    "migrate_database",
    "run_pending_jobs",
    "settings_for_tests",
    "sqlite_url",
    "started_kernel",
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(CLOCK_START)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "monopilot.db")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # bcrypt's lowest cost: a key per test costs milliseconds instead of a quarter second.
    # The same for argon2 password hashes of web sign-in: the lowest costs.
    return settings_for_tests(
        database_url,
        tmp_path / "data",
        api_key_bcrypt_rounds=4,
        web_password_time_cost=1,
        web_password_memory_kib=1024,
    )


@pytest.fixture
def kernel_plugins() -> PluginManager:
    return PluginManager()


@pytest_asyncio.fixture
async def kernel(
    settings: Settings, kernel_plugins: PluginManager, clock: ManualClock
) -> AsyncIterator[Kernel]:
    await migrate_database(settings, kernel_plugins)
    async with started_kernel(settings, kernel_plugins, clock) as started:
        yield started


@pytest_asyncio.fixture
async def org(kernel: Kernel) -> TestOrg:
    return await create_org_with_admin_key(kernel)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[LoopbackReceiver]:
    async with LoopbackReceiver() as started:
        yield started


@pytest_asyncio.fixture
async def api(kernel: Kernel, clock: ManualClock) -> AsyncIterator[Any]:
    """An ``aiohttp.test_utils.TestClient`` on the assembled server, sharing the kernel's
    database, plugins and clock (the server is a separate distribution: skipped without it)."""
    from aiohttp.test_utils import TestClient, TestServer

    try:
        app_module = importlib.import_module("monopilot_integrations.server.app")
    except ModuleNotFoundError:
        pytest.skip("the api fixture needs monopilot-integrations-server installed")
    app = app_module.create_app(
        kernel.settings, plugins=kernel.plugins, clock=clock, embedded_worker=False
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
