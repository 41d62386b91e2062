"""Benchmark: the dashboard's overview page with a million integration log rows.

Target: the overview (``GET /dashboard/``: per integration successes and errors over 24 h
and 7 d, error rate, p95 duration, charts, retry-queue depth, dead letters, API keys with
last use and rate-limit hits, the webhooks panel) in under 300 ms at the p95, server side,
with 1,000,000 rows in ``integration_logs``.

Baseline, in the same run: the same seven days' figures read from the log itself, as the
management API's statistics endpoint computes them (``GET /api/integrations/logs/stats``
over 7 days by day: totals per integration type, error rate, p50/p95): the cost the
overview would have without the hourly roll-ups.

Data: ``--rows`` log rows (default 1,000,000) spread over the last 7 days, 80 % of them in
the measured organisation and the rest over 19 others; integration types api (with 20 API
keys, 2 % of their requests refused with 429), webhook (10 endpoints) and edi; 3 % errors;
durations from 2 ms to 4 s. The closed hours are rolled up once before measuring (as the
periodic task does; its time is printed), then each request rolls up nothing new and counts
the open hour from the log.

    ./dev run python bench/dashboard_overview.py [--postgres URL] [--rows N] [--requests N]

``--postgres URL`` is an admin URL: a database ``monopilot_bench_dashboard`` is created
afresh there; default an SQLite file in a temporary folder. Requests go over loopback to
the assembled server in this process; the time measured is the client's round trip, an
upper bound of the server time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from _report import emit
from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.logs.rollup import roll_up
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.panels import DashboardUser
from monopilot_integrations.server.app import create_app, kernel_of
from monopilot_integrations.server.dashboard.identity import admin_scopes

TARGET_MS = 300.0
BENCH_DB = "monopilot_bench_dashboard"
ORG = uuid.UUID("00000000-0000-4000-8000-00000000be01")
OTHER_ORGS = [uuid.UUID(int=0xBE00 + i) for i in range(2, 21)]
BATCH = 20_000


class BenchAdmin:
    """The measured organisation's admin, handed in as MonoPilot would."""

    kernel: Any = None

    @hookimpl
    def provide_dashboard_user(self, request: Any) -> DashboardUser | None:
        return DashboardUser(ORG, "bench", "Bench admin", admin_scopes(self.kernel))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def fresh_postgres(admin_url: str) -> str:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    await engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def log_rows(
    count: int, now: datetime, keys: list[uuid.UUID], hooks: list[uuid.UUID], rng: random.Random
) -> Any:
    week = 7 * 24 * 3600
    for _ in range(count):
        org = ORG if rng.random() < 0.8 else rng.choice(OTHER_ORGS)
        at = now - timedelta(seconds=rng.random() * week)
        kind = rng.random()
        key = hook = None
        status, http = "success", 200
        if kind < 0.6:
            integration, event = "api", "GET /api/technical/products"
            key = rng.choice(keys) if org == ORG else None
            if key is not None and rng.random() < 0.02:
                status, http = "error", 429
        elif kind < 0.9:
            integration, event = "webhook", "order.created"
            hook = rng.choice(hooks)
        else:
            integration, event = "edi", "ORDERS"
        if status == "success" and rng.random() < 0.03:
            status, http = "error", 500
        yield {
            "id": new_id(),
            "org_id": org,
            "timestamp": at,
            "created_at": at,
            "integration_type": integration,
            "event_type": event,
            "direction": "inbound" if integration == "api" else "outbound",
            "status": status,
            "http_status": http,
            "duration_ms": int(rng.lognormvariate(3.5, 1.0)) + 2,
            "api_key_id": key,
            "webhook_id": hook,
            "error_message": "receiver answered 500" if http == 500 else None,
            "retry_count": 0,
        }


async def seed(kernel: Any, rows: int) -> tuple[str, float]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    keys = []
    secret = ""
    for i in range(20):
        key, secret = await kernel.api_keys.create(
            ORG,
            name=f"client {i}",
            scopes=["integrations:admin", "read:products"],
            rate_limit_tier="premium",
        )
        keys.append(key.id)
    hooks = [uuid.uuid4() for _ in range(10)]
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for row in log_rows(rows, now, keys, hooks, rng):
        batch.append(row)
        if len(batch) >= BATCH:
            async with kernel.database.transaction() as conn:
                await conn.execute(insert(logs_table), batch)
            batch = []
    if batch:
        async with kernel.database.transaction() as conn:
            await conn.execute(insert(logs_table), batch)
    if kernel.database.is_postgres:
        async with kernel.database.transaction() as conn:
            await conn.execute(text("ANALYZE integration_logs"))
    return secret, time.perf_counter() - started


async def timed(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], n: int
) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        async with session.get(url, headers=headers) as response:
            body = await response.read()
            assert response.status == 200, body[:500]
        times.append((time.perf_counter() - started) * 1000)
    return times


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--baseline-requests", type=int, default=8)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    url = (
        await fresh_postgres(args.postgres)
        if args.postgres
        else f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    )
    settings = Settings(database_url=url, data_dir=folder, api_key_bcrypt_rounds=4)
    plugins = PluginManager()
    admin = BenchAdmin()
    plugins.register(admin, "bench-admin")
    app = create_app(settings, plugins=plugins, embedded_worker=False)
    kernel = kernel_of(app)
    admin.kernel = kernel
    await migrate.upgrade(url, kernel.registry)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    base = f"http://127.0.0.1:{port}"
    try:
        secret, seeding = await seed(kernel, args.rows)
        print(
            f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.rows:,} log rows seeded in {seeding:.1f} s"
        )
        started = time.perf_counter()
        await roll_up(kernel.database, ORG, kernel.clock.now())
        print(
            f"first roll-up of 7 days (once; the periodic task keeps it current): {time.perf_counter() - started:.2f} s"
        )
        async with aiohttp.ClientSession() as session:
            await timed(session, base + "/dashboard/", {}, 2)  # warm-up
            overview = await timed(session, base + "/dashboard/", {}, args.requests)
            since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
            stats_url = f"{base}/api/integrations/logs/stats?since={since}&bucket=day"
            auth = {"Authorization": f"Bearer {secret}"}
            await timed(session, stats_url, auth, 1)
            baseline = await timed(session, stats_url, auth, args.baseline_requests)
    finally:
        await runner.cleanup()
    o50, o95 = statistics.median(overview), p95(overview)
    b50, b95 = statistics.median(baseline), p95(baseline)
    print(
        f"overview  GET /dashboard/            : median {o50:7.1f} ms  p95 {o95:7.1f} ms  ({len(overview)} requests)"
    )
    print(
        f"baseline  GET /logs/stats (7 d, raw) : median {b50:7.1f} ms  p95 {b95:7.1f} ms  ({len(baseline)} requests)"
    )
    print(
        f"ratio overview / baseline (p95): {o95 / b95:.3f}  (baseline / overview: {b95 / o95:.1f}x)"
    )
    ok = o95 < TARGET_MS
    print(f"target p95 < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    emit(
        "Dashboard overview",
        workload=f"{args.rows:,} log rows, one organisation, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}; baseline: the logs API's 7-day stats",
        figure=o95,
        unit="ms (p95)",
        baseline=b95,
        ratio=o95 / b95,
        target=f"p95 < {TARGET_MS:.0f} ms",
        passed=ok,
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
