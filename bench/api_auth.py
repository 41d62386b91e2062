"""Benchmark: the authenticated API path against the same handler without it.

Target (issue: foundation part 2): with API key check, a rate limit shared through Redis,
the scope check and the integration log, one server process serves at least 60% of the
requests per second that the same handler serves without those layers. Load from wrk on
loopback; p50 and p99 of each.

Three servers, each in its own process, measured in rotation over ``--rounds`` (medians):
``bare`` (one aiohttp handler, no middleware at all: the stricter reference), ``noapi`` (the
assembled server with the same handler but without the four layers: the target's
baseline) and ``full`` (all four layers). The server's CPU time per request is printed too:
it is steadier than requests per second when other processes share the cores.

    ./dev run python bench/api_auth.py [--seconds 10] [--rounds 3] [--variants nolog,norl]

Needs wrk (``apt-get install wrk``) and Redis (MONOPILOT_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/0). The integration log goes to an SQLite file in a temp folder, or
to PostgreSQL with ``--postgres URL`` (an admin URL: a database ``monopilot_bench`` is
created afresh on that server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 0.60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: int, connections: int, key: str | None) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if key:
        args += ["-H", f"Authorization: Bearer {key}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def pct(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


async def fresh_postgres(admin_url: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP DATABASE IF EXISTS monopilot_bench WITH (FORCE)"))
        await conn.execute(text("CREATE DATABASE monopilot_bench"))
    await engine.dispose()
    return make_url(admin_url).set(database="monopilot_bench").render_as_string(False)


async def setup(data_dir: Path, redis_url: str, database_url: str | None = None) -> str:
    from monopilot_integrations.core.db import migrate
    from monopilot_integrations.core.integrations import Integrations
    from monopilot_integrations.core.plugins import PluginManager
    from monopilot_integrations.core.registry import Registry
    from monopilot_integrations.core.settings import Settings

    settings = Settings(
        data_dir=data_dir,
        redis_url=redis_url,
        database_url=database_url,
        embedded_worker=False,
        rate_limit_tiers="bench=100000000/1000000000/1000000",
    )
    await migrate.upgrade(settings.resolved_database_url, Registry(PluginManager()))
    kernel = Integrations(settings)
    try:
        _, key = await kernel.api_keys.create(
            uuid.uuid4(), name="bench", scopes=["read:products"], rate_limit_tier="bench"
        )
    finally:
        await kernel.close()
    return key


def start_server(
    mode: str, data_dir: Path, redis_url: str, database_url: str | None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = "bare" if mode == "bare" else "full"
    extra = [str(data_dir), redis_url, database_url or ""] if server == "full" else []
    env = {**os.environ, "BENCH_VARIANT": "" if mode in ("bare", "full") else mode}
    process = subprocess.Popen(
        [sys.executable, str(HERE / "_api_servers.py"), server, str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    wait_listening(port, process)
    return process, port


def measure(
    process: subprocess.Popen[bytes], url: str, args: argparse.Namespace, key: str
) -> dict[str, float]:
    cpu_before = cpu_seconds(process.pid)
    result = wrk(url, args.seconds, args.connections, key)
    requests = result["rps"] * args.seconds
    result["cpu_us"] = (
        (cpu_seconds(process.pid) - cpu_before) / requests * 1e6 if requests else float("nan")
    )
    return result


def median_row(rows: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(row[name] for row in rows) for name in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, medians kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    parser.add_argument(
        "--variants",
        default="",
        help="also run the full server without one layer: comma list of nolog, noinsert, norl, "
        "memory (see _api_servers.py); shows what each layer costs",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    redis_url = os.environ.get("MONOPILOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    variants = [v for v in args.variants.split(",") if v and v != "noapi"]
    modes = ["bare", "noapi", "full", *variants]
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        database_url = asyncio.run(fresh_postgres(args.postgres)) if args.postgres else None
        key = asyncio.run(setup(data_dir, redis_url, database_url))
        servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        try:
            for mode in modes:
                process, port = start_server(mode, data_dir, redis_url, database_url)
                url = f"http://127.0.0.1:{port}/api/bench/ping"
                servers[mode] = (process, url)
                wrk(url, 2, args.connections, key)  # warm-up: bcrypt once, caches
            # Rounds in rotation, so a burst of load from elsewhere hits every mode alike.
            for _ in range(args.rounds):
                for mode in modes:
                    process, url = servers[mode]
                    runs[mode].append(measure(process, url, args, key))
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
    results = {mode: median_row(rows) for mode, rows in runs.items()}
    bare, noapi, full = results["bare"], results["noapi"], results["full"]
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"integration log in {store}; rate limit in Redis; wrk -t1 -c{args.connections}, "
        f"{args.seconds}s per run, median of {args.rounds} rounds"
    )
    print(
        f"{'path':<38}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}{'server CPU us/req':>19}"
    )
    labels = {
        "bare": "bare aiohttp handler",
        "noapi": "server, handler without the 4 layers",
        "full": "server, key+Redis limit+scope+log",
    }
    for mode in modes:
        row = results[mode]
        print(
            f"{labels.get(mode, 'full without ' + mode):<38}{row['rps']:>8.0f}"
            f"{row['p50']:>8.2f}{row['p99']:>8.2f}{row['non2xx']:>8.0f}{row['cpu_us']:>19.0f}"
        )
    target = full["rps"] / noapi["rps"]
    strict = full["rps"] / bare["rps"]
    print(
        f"server CPU per request: the four layers cost {full['cpu_us'] - noapi['cpu_us']:.0f} us; "
        f"full / bare aiohttp {bare['cpu_us'] / full['cpu_us']:.2f} by CPU"
    )
    print(f"ratio against bare aiohttp (no middleware at all): {strict:.2f}")
    verdict = "meets" if target >= TARGET else "MISSES"
    print(
        f"ratio against the same handler without the four layers: {target:.2f} "
        f"({verdict} the target of {TARGET:.2f})"
    )


if __name__ == "__main__":
    main()
