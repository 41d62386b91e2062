"""The suite's fixtures over the kernel's (``monopilot_integrations.core.testing``): every
test that takes ``database`` or ``kernel`` runs on SQLite and on PostgreSQL, and the kernel
carries the test plugin."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.testing import started_kernel
from tests.support import plugin, services
from tests.support.schema import prepare_schema, truncate_all


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(prepare_schema(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated once for the session."""
    admin_url = services.need("postgres", services.POSTGRES_URL)
    name = f"mp_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    async def create() -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()
        await prepare_schema(url)

    async def drop() -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()

    asyncio.run(create())
    yield url
    asyncio.run(drop())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "monopilot.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    if db.is_postgres:
        await truncate_all(db)
    yield db
    await db.dispose()


@pytest.fixture
async def kernel(settings: Settings, clock: ManualClock) -> AsyncIterator[Kernel]:
    """A started kernel with the test plugin, a manual clock and a stub broker.

    No worker or scheduler runs: tests drive dispatch, sweeps and attempts themselves
    (``run_worker`` starts a real in-process Dramatiq worker when a test needs one). The
    database is a copy of a migrated template (``database_url``), so nothing migrates here.
    """
    plugin.ATTEMPTS.clear()
    plugin.STARTED.clear()
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    async with started_kernel(settings, plugins, clock) as started:
        if started.database.is_postgres:
            await truncate_all(started.database)
        yield started


@contextlib.asynccontextmanager
async def running_worker(kernel: Kernel) -> AsyncIterator[None]:
    """A real in-process Dramatiq worker consuming the kernel's broker."""
    kernel.start_worker()
    try:
        yield
    finally:
        if kernel.worker is not None:
            await asyncio.to_thread(kernel.worker.stop)
            kernel.worker = None


async def drain(kernel: Kernel, timeout_ms: int = 30_000) -> None:
    """Wait until every message on the kernel's queues has been processed."""
    for queue in kernel.queue.queue_names:
        await asyncio.to_thread(kernel.broker.join, queue, timeout=timeout_ms)
