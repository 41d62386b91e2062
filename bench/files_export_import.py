"""Benchmark: the files connector's exports and product import validation.

Targets: 10,000 rows exported in under 1 s in every format; 1,000,000 product rows to CSV
in at most 1.5x the time of a bare ``csv.writer`` loop over the same database query, both
measured in this run; peak memory under 200 MB whatever the row count; 100,000 import rows
validated in under 10 s.

Each export runs in a process of its own (this script with ``--child``), so its peak
memory is that process's maximum resident set size (``os.wait4``), interpreter, libraries
and kernel included. "ours" is the whole export as the server runs it: the export row and
its job, the job engine's claim and log row, the count for the progress, the rows streamed
from the domain store (a server-side cursor on PostgreSQL, keyset pages on SQLite),
projected, converted, neutralised against CSV injection, written to ``.part``, fsynced and
renamed, the progress updates. "bare" is the same SELECT the store sends, streamed in
batches of the same size through ``csv.writer`` into a file. Times are of the export
alone (the child measures it after its start-up).

    .venv/bin/python bench/files_export_import.py [--db sqlite|postgres] [--rows 1000000]

PostgreSQL needs MONOPILOT_BENCH_POSTGRES_URL or MONOPILOT_TEST_POSTGRES_URL (an admin
URL: a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from _report import emit
from sqlalchemy import Uuid, bindparam, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.export.kinds import PRODUCTS
from monopilot_integrations.connectors.files.export.models import ProductExportRequest
from monopilot_integrations.connectors.files.export.service import create_export, find_export
from monopilot_integrations.connectors.files.imports.upload import from_path
from monopilot_integrations.connectors.files.imports.validate import validate
from monopilot_integrations.connectors.files.settings import files_settings
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.types import UTCDateTime
from monopilot_integrations.core.domain.bulk import ProductFilter
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.domain.bulk_reads import _products
from monopilot_integrations.domain.seed import load_seed, parse_seed, read_seed_file

HERE = Path(__file__).resolve()
DEMO = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))
SMALL = 10_000
IMPORT_ROWS = 100_000
NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)

FILL_PG = """
INSERT INTO products (id, org_id, code, gtin, name, unit, price, currency, vat_rate,
                      reorder_level, active, created_at, updated_at)
SELECT gen_random_uuid(), :org, 'P-' || lpad(i::text, 8, '0'),
       CASE WHEN i % 3 = 0 THEN NULL ELSE lpad(i::text, 13, '0') END,
       'Product ' || i || CASE WHEN i % 10 = 0 THEN ', "special"' ELSE '' END,
       'szt', (i % 1000) / 100.0, 'PLN', 23, i % 50, i % 7 <> 0, :now, :now
FROM generate_series(1, :n) AS i
"""
FILL_SQLITE = """
INSERT INTO products (id, org_id, code, gtin, name, unit, price, currency, vat_rate,
                      reorder_level, active, created_at, updated_at)
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)
SELECT lower(hex(randomblob(16))), :org, 'P-' || printf('%08d', i),
       CASE WHEN i % 3 = 0 THEN NULL ELSE printf('%013d', i) END,
       'Product ' || i || CASE WHEN i % 10 = 0 THEN ', "special"' ELSE '' END,
       'szt', (i % 1000) / 100.0, 'PLN', 23, i % 50, i % 7 <> 0, :now, :now
FROM seq
"""


def settings_for(url: str, data_dir: Path) -> Settings:
    # A million rows on a busy machine can take longer than the default attempt limit.
    return Settings(
        data_dir=data_dir,
        database_url=url,
        embedded_worker=False,
        environment="development",
        job_attempt_timeout=3600,
    )


async def make_org(kernel: Kernel, code: str, rows: int) -> uuid.UUID:
    seed = read_seed_file(DEMO).model_dump(mode="json", exclude_none=True)
    seed["organization"] = {**seed["organization"], "code": code, "name": f"Bench {code}"}
    report = await load_seed(kernel.database, parse_seed(seed))
    fill = FILL_PG if kernel.database.is_postgres else FILL_SQLITE
    statement = text(fill).bindparams(
        bindparam("org", type_=Uuid()),
        bindparam("now", type_=UTCDateTime()),
    )
    async with kernel.database.transaction() as conn:
        await conn.execute(statement, {"org": report.org_id, "n": rows, "now": NOW})
    if kernel.database.is_postgres:
        async with kernel.database.transaction() as conn:
            await conn.execute(text("ANALYZE products"))
    return report.org_id


# --- children: one export each, in a process of its own -----------------------------------


async def child_ours(url: str, data_dir: Path, org: uuid.UUID, fmt: str) -> dict[str, Any]:
    kernel = await Kernel.start(settings_for(url, data_dir), embedded_worker=False)
    try:
        ctx = FilesContext.of(kernel)
        started = time.perf_counter()
        out = await create_export(ctx, org, PRODUCTS, ProductExportRequest(format=fmt))
        async with kernel.database.session(org) as session:
            row = await find_export(session, org, out.id)
            assert row is not None and row.job_id is not None
            job_id = row.job_id
        outcome = await kernel.run_job(org, job_id)
        elapsed = time.perf_counter() - started
        async with kernel.database.session(org) as session:
            row = await find_export(session, org, out.id)
        assert outcome.status == "succeeded" and row is not None, (outcome, row and row.error)
        return {"seconds": elapsed, "rows": row.rows_written, "bytes": row.size_bytes}
    finally:
        await kernel.close()


async def child_bare(url: str, data_dir: Path, org: uuid.UUID) -> dict[str, Any]:
    """The same SELECT, streamed through csv.writer: the least an export can cost."""
    kernel = await Kernel.start(settings_for(url, data_dir), embedded_worker=False)
    try:
        statement, keys, _ = _products(org, ProductFilter())
        batch = files_settings().batch_size
        target = data_dir / "bare.csv"
        started = time.perf_counter()
        rows = 0
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(
                [
                    "code",
                    "gtin",
                    "name",
                    "unit",
                    "price",
                    "currency",
                    "vat_rate",
                    "reorder_level",
                    "active",
                    "created_at",
                    "updated_at",
                ]
            )
            async with kernel.database.session(org) as session:
                result = await session.stream(
                    statement.order_by(*keys), execution_options={"yield_per": batch}
                )
                async for partition in result.partitions():
                    writer.writerows(partition)
                    rows += len(partition)
        elapsed = time.perf_counter() - started
        return {"seconds": elapsed, "rows": rows, "bytes": target.stat().st_size}
    finally:
        await kernel.close()


def run_child(*args: str) -> dict[str, Any]:
    """Run this script as a child; its result and its peak RSS in MB."""
    process = subprocess.Popen(
        [sys.executable, str(HERE), "--child", *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"child {args} failed ({process.returncode})")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


# --- the import validation -------------------------------------------------------------


def import_file(path: Path, rows: int) -> None:
    """Half the rows update the big organisation's products, half are new."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "code",
                "name",
                "unit",
                "price",
                "vat_rate",
                "gtin",
                "currency",
                "reorder_level",
                "active",
            ]
        )
        for i in range(1, rows + 1):
            code = f"P-{i:08d}" if i % 2 else f"NEW-{i:08d}"
            writer.writerow(
                [
                    code,
                    f"Product {i}",
                    "szt",
                    f"{Decimal(i % 1000) / 100}",
                    "23",
                    "",
                    "PLN",
                    str(i % 50),
                    "true",
                ]
            )


# --- the run ---------------------------------------------------------------------------


async def database_url(kind: str, data_dir: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{data_dir / 'bench.db'}", None
    admin = os.environ.get("MONOPILOT_BENCH_POSTGRES_URL") or os.environ.get(
        "MONOPILOT_TEST_POSTGRES_URL"
    )
    if not admin:
        raise SystemExit("set MONOPILOT_BENCH_POSTGRES_URL (an admin URL) for --db postgres")
    name = f"mp_bench_files_{os.getpid()}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()

    async def drop() -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()

    return make_url(admin).set(database=name).render_as_string(hide_password=False), drop


async def main(db: str, big: int, medium: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="mp-bench-files-"))
    url, drop = await database_url(db, data_dir)
    try:
        await migrate.upgrade(url, Registry(PluginManager()))
        kernel = await Kernel.start(settings_for(url, data_dir), embedded_worker=False)
        try:
            t = time.perf_counter()
            small_org = await make_org(kernel, "small", SMALL - 9)
            medium_org = await make_org(kernel, "medium", medium - 9)
            big_org = await make_org(kernel, "big", big - 9)
            print(
                f"# {db}: {SMALL:,} + {medium:,} + {big:,} products loaded in "
                f"{time.perf_counter() - t:.1f} s",
                flush=True,
            )
        finally:
            await kernel.close()

        print(f"\n{SMALL:,} rows per format (target < 1 s):")
        small = {}
        for fmt in ("csv", "json", "xml"):
            r = small[fmt] = run_child("ours", url, str(data_dir), str(small_org), fmt)
            print(
                f"  {fmt:4}  {r['seconds']:.3f} s  {r['bytes'] / 1e6:.1f} MB  "
                f"peak {r['peak_mb']:.0f} MB",
                flush=True,
            )
        bare = run_child("bare", url, str(data_dir), str(small_org), "csv")
        print(
            f"  (a bare csv.writer loop over the same query: {bare['seconds']:.3f} s, "
            "the machine's pace at this moment)",
            flush=True,
        )
        for fmt, r in small.items():
            emit(
                f"Export {SMALL:,} rows, {fmt.upper()}",
                workload=f"{SMALL:,} products, {db}, the export job's own process",
                figure=r["seconds"],
                unit="s",
                baseline=bare["seconds"],
                ratio=r["seconds"] / bare["seconds"],
                target="< 1 s",
                passed=r["seconds"] < 1,
            )

        print(
            f"\nCSV of {big:,} rows: ours vs a bare csv.writer loop over the same query "
            "(target ratio <= 1.5, peak < 200 MB):"
        )
        rounds = []
        for _ in range(2):
            bare = run_child("bare", url, str(data_dir), str(big_org), "csv")
            ours = run_child("ours", url, str(data_dir), str(big_org), "csv")
            rounds.append((ours, bare))
            print(
                f"  ours {ours['seconds']:.2f} s ({ours['rows']:,} rows, peak "
                f"{ours['peak_mb']:.0f} MB)  bare {bare['seconds']:.2f} s (peak "
                f"{bare['peak_mb']:.0f} MB)  ratio {ours['seconds'] / bare['seconds']:.2f}",
                flush=True,
            )
        best = min(o["seconds"] for o, _ in rounds) / min(b["seconds"] for _, b in rounds)
        print(f"  best of rounds: ratio {best:.2f}")
        mid = run_child("ours", url, str(data_dir), str(medium_org), "csv")
        peak = max(o["peak_mb"] for o, _ in rounds)
        print(
            f"  peak memory by row count: {medium:,} rows {mid['peak_mb']:.0f} MB, "
            f"{big:,} rows {peak:.0f} MB"
        )
        emit(
            f"Export {big:,} rows to CSV",
            workload=f"{big:,} products, {db}; peak {peak:.0f} MB (at {medium:,} rows "
            f"{mid['peak_mb']:.0f} MB)",
            figure=min(o["seconds"] for o, _ in rounds),
            unit="s",
            baseline=min(b["seconds"] for _, b in rounds),
            ratio=best,
            target="<= 1.5x a bare csv.writer loop, peak < 200 MB",
            passed=best <= 1.5 and peak < 200,
        )

        path = data_dir / "import.csv"
        import_file(path, IMPORT_ROWS)
        kernel = await Kernel.start(settings_for(url, data_dir), embedded_worker=False)
        try:
            upload = from_path(path, 1 << 30, None)
            started = time.perf_counter()
            report = await validate(kernel.domain, big_org, upload, max_errors=10_000)
            elapsed = time.perf_counter() - started
        finally:
            await kernel.close()
        print(
            f"\n{IMPORT_ROWS:,} import rows validated in {elapsed:.2f} s (target < 10 s): "
            f"{report.valid:,} valid, {report.to_create:,} new, "
            f"{report.to_update + report.unchanged:,} existing, {report.errors_total} errors"
        )
        emit(
            f"Import validation, {IMPORT_ROWS:,} rows",
            workload=f"a CSV of {IMPORT_ROWS:,} products against {big:,} stored, {db}",
            figure=elapsed,
            unit="s",
            target="< 10 s",
            passed=elapsed < 10,
        )
    finally:
        if drop is not None:
            await drop()


def child(args: list[str]) -> None:
    role, url, data_dir, org, fmt = args
    if role == "ours":
        result = asyncio.run(child_ours(url, Path(data_dir), uuid.UUID(org), fmt))
    else:
        result = asyncio.run(child_bare(url, Path(data_dir), uuid.UUID(org)))
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large export")
    parser.add_argument("--medium", type=int, default=100_000, help="rows of the memory check")
    options = parser.parse_args()
    asyncio.run(main(options.db, options.rows, options.medium))
