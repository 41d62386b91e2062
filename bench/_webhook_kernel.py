"""The kernel side of the delivery benchmark: settings, database, webhooks, workers.

Imported by ``webhook_delivery.py`` (split out to keep each file to one concern).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import _webhook_plugin

HERE = Path(__file__).resolve().parent
ORG = uuid.UUID("00000000-0000-4000-8000-0000000be0c4")


def bench_settings(data_dir: Path, database_url: str | None, broker: str | None, ns: str) -> Any:
    from monopilot_integrations.core.settings import Settings

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker,
        broker_namespace=ns,
        embedded_worker=False,
        allow_private_targets=True,
    )


def settings_env(settings: Any, base: str, endpoints: int) -> dict[str, str]:
    env = {
        **os.environ,
        "MONOPILOT_DATA_DIR": str(settings.data_dir),
        "MONOPILOT_DATABASE_URL": settings.resolved_database_url,
        "MONOPILOT_BROKER_URL": settings.broker_url or "",
        "MONOPILOT_BROKER_NAMESPACE": settings.broker_namespace,
        "MONOPILOT_ALLOW_PRIVATE_TARGETS": "true",
        "BENCH_RECEIVER_URL": base,
        "BENCH_ENDPOINTS": str(endpoints),
        "BENCH_SPREAD": os.environ.get("BENCH_SPREAD", ""),
        "BENCH_CONNECTOR": os.environ.get("BENCH_CONNECTOR", ""),
    }
    return env


async def start_kernel(settings: Any, *, embedded: bool) -> Any:
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.plugins.manager import PluginManager

    plugins = PluginManager(allow=["webhooks"] if _webhook_plugin.real_connector() else [])
    plugins.register(_webhook_plugin, "bench-webhooks")
    return await Kernel.start(settings, plugins=plugins, embedded_worker=embedded)


async def create_webhooks(kernel: Any, base: str, endpoints: int) -> None:
    """With the real connector: ``endpoints`` webhooks through its service API (the one
    behind ``POST /api/integrations/webhooks``), all sharing the receiver's secret."""
    from monopilot_integrations.connectors.webhooks.api.models import WebhookCreate
    from monopilot_integrations.connectors.webhooks.api.service import WebhookService

    service = WebhookService(kernel)
    for i in range(endpoints):
        events = [_webhook_plugin.EVENT_TYPE, _webhook_plugin.spread_type(i)]
        await service.create(
            ORG,
            WebhookCreate(
                name=f"bench-{i}",
                url=_webhook_plugin.endpoint_url(base, i),
                events=events,
                secret=_webhook_plugin.SECRET_TEXT,
            ),
        )


async def migrate(settings: Any) -> None:
    from monopilot_integrations.core.db import migrate as migrations
    from monopilot_integrations.core.plugins.manager import PluginManager
    from monopilot_integrations.core.plugins.registry import Registry

    plugins = PluginManager(allow=["webhooks"] if _webhook_plugin.real_connector() else [])
    await migrations.upgrade(settings.resolved_database_url, Registry(plugins))


BENCH_DATABASE = f"monopilot_bench_webhooks_{os.getpid()}"


async def postgres_database(admin_url: str, *, create: bool) -> str:
    """Create (or drop) this run's own database on the server of ``admin_url``."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        if create:
            await conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    await engine.dispose()
    return make_url(admin_url).set(database=BENCH_DATABASE).render_as_string(False)


async def clear_jobs(kernel: Any) -> None:
    from sqlalchemy import delete

    from monopilot_integrations.core.db.tables import events_table, jobs_table, logs_table

    async with kernel.database.system_session() as session:
        for table in (jobs_table, events_table, logs_table):
            await session.execute(delete(table))


async def unfinished_and_last(kernel: Any) -> tuple[int, int, float | None]:
    """(jobs not finished, log rows, last finish as a unix time)."""
    from sqlalchemy import func, select

    from monopilot_integrations.core.db.tables import jobs_table as jobs
    from monopilot_integrations.core.db.tables import logs_table as logs

    async with kernel.database.system_session() as session:
        open_jobs = await session.scalar(
            select(func.count()).where(jobs.c.status.not_in(("succeeded", "dead")))
        )
        rows = await session.scalar(select(func.count()).select_from(logs))
        last = await session.scalar(
            select(jobs.c.finished_at).order_by(jobs.c.finished_at.desc()).limit(1)
        )
    return int(open_jobs or 0), int(rows or 0), last.timestamp() if last else None


async def wait_finished(kernel: Any, deliveries: int, limit: float, arrived: Any) -> float:
    """The last attempt's commit (unix time), once every delivery is logged.

    ``arrived()`` returns how many distinct deliveries the receiver has seen: it is polled
    until all are there, and only then the database (whose queries scan the jobs table
    and, on SQLite, take their turn with the worker's writes): polling the database all
    along cost the measured worker ~45 us per delivery in SQLite time and lock waits.
    """
    deadline = time.monotonic() + limit
    while await arrived() < deliveries:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {await arrived()} of {deliveries} arrived")
        await asyncio.sleep(0.25)
    while True:
        open_jobs, rows, last = await unfinished_and_last(kernel)
        if open_jobs == 0 and rows >= deliveries and last is not None:
            return last
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {open_jobs} jobs open, {rows} log rows")
        await asyncio.sleep(0.1)


def start_worker(env: dict[str, str], *, scheduler: bool) -> subprocess.Popen[bytes]:
    args = [sys.executable, str(HERE / "_webhook_worker.py")]
    if scheduler:
        args.append("--scheduler")
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        raise SystemExit("the worker process did not start")
    return process


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
