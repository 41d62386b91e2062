"""Build a kernel for tests: settings on a temporary SQLite file, a migrated schema, an
organisation with an admin key, due jobs run by hand. The fixtures of
:mod:`monopilot_integrations.core.testing` are made of these; a test that needs a second
kernel, or other settings, calls them itself."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.jobs.outcome import AttemptOutcome
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings

#: Where the test clock starts (a Monday morning).
CLOCK_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def settings_for_tests(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: no retry jitter, no embedded worker (the test drives jobs)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "retry_jitter": 0,
        "embedded_worker": False,
        "environment": "test",
    }
    return Settings(**{**values, **overrides})


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def migrate_database(settings: Settings, plugins: PluginManager) -> list[str]:
    """Upgrade core's and every plugin branch of ``plugins`` to their heads."""
    return await migrate.upgrade(
        settings.resolved_database_url,
        Registry(plugins),
        tenant_role=settings.database_tenant_role,
        tenant_password=settings.tenant_database_password,
    )


@contextlib.asynccontextmanager
async def started_kernel(
    settings: Settings, plugins: PluginManager, clock: ManualClock
) -> AsyncIterator[Kernel]:
    """A started kernel on an already migrated database, closed afterwards."""
    kernel = await Kernel.start(settings, plugins=plugins, clock=clock)
    try:
        yield kernel
    finally:
        await kernel.close()


@dataclass(frozen=True)
class TestOrg:
    """An organisation with an API key holding every registered scope."""

    __test__ = False  # not a test class, whatever pytest's name matching thinks

    id: uuid.UUID
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def create_org_with_admin_key(kernel: Kernel, org_id: uuid.UUID | None = None) -> TestOrg:
    org_id = org_id or uuid.uuid4()
    scopes = [str(name) for name in kernel.registry.scopes]
    _, secret = await kernel.api_keys.create(
        org_id, name="test admin", scopes=scopes, rate_limit_tier="premium"
    )
    return TestOrg(org_id, secret)


async def run_pending_jobs(kernel: Kernel, connector: str | None = None) -> list[AttemptOutcome]:
    """Turn published events into jobs, then run one attempt of every job that is due by
    the kernel's clock (of ``connector`` only, when given), in creation order. What a
    worker would do, in the test's own task, so the test sees each outcome."""
    await kernel.dispatch_pending()
    now = kernel.clock.now()
    query = (
        select(JobRow.org_id, JobRow.id)
        .where(JobRow.status.in_(("queued", "retrying")), JobRow.next_run_at <= now)
        .order_by(JobRow.created_at, JobRow.id)
    )
    if connector is not None:
        query = query.where(JobRow.connector == connector)
    async with kernel.database.system_session() as session:
        due = (await session.execute(query)).all()
    return [await kernel.run_job(org_id, job_id) for org_id, job_id in due]
