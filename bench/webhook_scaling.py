"""Webhook deliveries per second with 1, 2 and 4 worker processes on PostgreSQL + Redis,
and the CPU each delivery costs, to size a deployment from.

    ./dev run python bench/webhook_scaling.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
        [--events 2000] [--endpoints 10] [--workers 1 2 4]

For each worker count: ``--events`` events to ``--endpoints`` webhooks (receivers on
127.0.0.1-127.0.0.10, one process), published and dispatched onto the Redis broker
first, then N ``worker --no-scheduler``-like processes start and drain them. Reported:
deliveries per second (first arrival to last logged attempt), the workers' CPU seconds
per delivery, and where else the CPU went in the same window: the receiver process and
PostgreSQL's processes. On a machine with fewer cores than workers + receiver + database,
the last two columns say how much of the machine the workers did not get.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _webhook_plugin  # noqa: E402
from _report import emit  # noqa: E402
from _webhook_kernel import (  # noqa: E402
    ORG,
    bench_settings,
    clear_jobs,
    create_webhooks,
    migrate,
    postgres_database,
    settings_env,
    start_kernel,
    start_worker,
    stop_worker,
    wait_finished,
)
from webhook_delivery import receiver, start_receiver  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process on this machine, by process id (backends
    come and go with connections: a difference is taken per process)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
            except OSError:
                continue
    return found


def grown(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two samples by the processes alive at the second."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


async def one_run(
    settings: Any, base: str, receiver_pid: int, events: int, endpoints: int, workers: int
) -> dict[str, float]:
    deliveries = events * endpoints
    kernel = await start_kernel(settings, embedded=False)
    processes = []
    try:
        await clear_jobs(kernel)
        async with kernel.session(ORG) as session:
            for n in range(events):
                data = _webhook_plugin.sample_data(n)
                await kernel.publish(ORG, _webhook_plugin.EVENT_TYPE, data, session=session)
        while await kernel.dispatch_pending():
            pass
        await receiver(base, "POST", "/reset")
        env = settings_env(settings, base, endpoints)
        receiver_before, postgres_before = cpu_seconds(receiver_pid), postgres_cpu()
        started = time.time()
        # A worker's start-up (imports, the kernel) is not delivery work: its CPU is
        # counted from its "ready" on (and the first ones deliver while the next start).
        worker_before = 0.0
        for _ in range(workers):
            processes.append(start_worker(env, scheduler=False))
            worker_before += cpu_seconds(processes[-1].pid)

        async def arrived() -> int:
            return int((await receiver(base, "GET", "/stats"))["unique"])

        last = await wait_finished(kernel, deliveries, limit=900, arrived=arrived)
        worker_cpu = sum(cpu_seconds(p.pid) for p in processes) - worker_before
        receiver_cpu = cpu_seconds(receiver_pid) - receiver_before
        database_cpu = grown(postgres_before, postgres_cpu())
        stats = await receiver(base, "GET", "/stats")
    finally:
        for process in processes:
            stop_worker(process)
        await kernel.close()
    if stats["unique"] != deliveries or stats["bad_signatures"]:
        raise SystemExit(f"receiver saw {stats}, expected {deliveries} deliveries")
    wall = last - stats["first"]
    return {
        "rate": deliveries / wall,
        "worker_cpu_ms": worker_cpu / deliveries * 1000,
        "receiver_cpu_ms": receiver_cpu / deliveries * 1000,
        "database_cpu_ms": database_cpu / deliveries * 1000,
        "wall": wall,
        "startup": stats["first"] - started,
    }


async def run(args: argparse.Namespace) -> None:
    redis_url = os.environ.get("MONOPILOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["BENCH_ENDPOINTS"] = str(args.endpoints)
    os.environ["BENCH_SPREAD"] = ""
    os.environ["BENCH_CONNECTOR"] = "real"
    receiver_process, base = start_receiver()
    os.environ["BENCH_RECEIVER_URL"] = base
    namespace = f"monopilot-bench-scaling-{uuid.uuid4().hex[:8]}"
    results: dict[int, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
            database_url = await postgres_database(args.postgres, create=True)
            settings = bench_settings(Path(tmp), database_url, redis_url, namespace)
            await migrate(settings)
            setup = await start_kernel(settings, embedded=False)
            try:
                await create_webhooks(setup, base, args.endpoints)
            finally:
                await setup.close()
            for workers in args.workers:
                results[workers] = await one_run(
                    settings, base, receiver_process.pid, args.events, args.endpoints, workers
                )
                r = results[workers]
                print(
                    f"  {workers} worker(s): {r['rate']:7.0f} deliveries/s; CPU ms per delivery: "
                    f"workers {r['worker_cpu_ms']:.2f}, receiver {r['receiver_cpu_ms']:.2f}, "
                    f"PostgreSQL {r['database_cpu_ms']:.2f}",
                    flush=True,
                )
    finally:
        receiver_process.terminate()
        receiver_process.wait(30)
        await postgres_database(args.postgres, create=False)
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()
    cores = os.cpu_count() or 1
    one = results[args.workers[0]]["rate"]
    print(
        f"\n{args.events} events x {args.endpoints} endpoints per run, PostgreSQL + Redis broker, "
        f"{cores} cores shared by workers, receiver and database"
    )
    print(
        f"{'workers':>8}{'deliveries/s':>14}{'x one':>8}{'worker ms':>11}{'recv ms':>9}{'db ms':>8}"
    )
    for workers, r in results.items():
        print(
            f"{workers:>8}{r['rate']:>14.0f}{r['rate'] / one:>8.2f}{r['worker_cpu_ms']:>11.2f}"
            f"{r['receiver_cpu_ms']:>9.2f}{r['database_cpu_ms']:>8.2f}"
        )
        emit(
            f"Webhook deliveries, {workers} worker(s)",
            workload=f"{args.events} events x {args.endpoints} receivers; PostgreSQL + Redis; "
            f"{cores} cores; CPU ms/delivery: workers {r['worker_cpu_ms']:.2f}, receiver "
            f"{r['receiver_cpu_ms']:.2f}, PostgreSQL {r['database_cpu_ms']:.2f}",
            figure=r["rate"],
            unit="deliveries/s",
            baseline=one,
            ratio=r["rate"] / one,
            target="reported (sizing)",
            passed=True,
            worker_cpu_ms=round(r["worker_cpu_ms"], 3),
            receiver_cpu_ms=round(r["receiver_cpu_ms"], 3),
            database_cpu_ms=round(r["database_cpu_ms"], 3),
        )
    need = 2000 * results[args.workers[0]]["worker_cpu_ms"] / 1000
    print(
        f"\nsizing: 200 events/s to 10 endpoints is 2,000 deliveries/s, about {need:.1f} CPU "
        "seconds per second in workers alone at the one-worker cost per delivery"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", required=True, help="admin URL of a PostgreSQL server")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
