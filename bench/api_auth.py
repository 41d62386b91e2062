"""Benchmark: the authenticated API path under real traffic, against the same handler
without it.

Target: with API key check, the Redis rate limit, the scope check and the integration log
on PostgreSQL, one server process serves at least 60% of the requests per second that the
same handler serves without those layers, measured in the same run.

Traffic: ``--keys`` active API keys (default 3,000) in several organisations, spread over
the three tiers (basic, standard, premium). Every request picks its key at random, each
key in proportion to its tier's per-minute rate, so every compliant key sends within its
limits as long as the server answers fewer requests per second than the keys' combined
rate (printed). About 5% of the keys (``--over``, all of tier basic) send ten times their
share and go over their limit: they are answered 429 with ``Retry-After``. After the run the integration
log tells how many 429s went to compliant and to over-limit keys.

Three servers, each in its own process, measured in rotation over ``--rounds`` (medians):
``bare`` (one aiohttp handler, no middleware at all: the stricter reference), ``noapi`` (the
assembled server with the same handler but without the four layers: the target's
baseline) and ``full`` (all four layers). The server's CPU time per request is printed too:
it is steadier than requests per second when other processes share the cores.

    ./dev run python bench/api_auth.py --postgres URL [--seconds 8] [--rounds 3]

Needs wrk (``apt-get install wrk``) and Redis (MONOPILOT_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/0). The integration log goes to PostgreSQL with ``--postgres URL``
(an admin URL: a database ``monopilot_bench_api`` is created afresh on that server), or
to an SQLite file in a temp folder. Keys are hashed with bcrypt cost 4 so that creating
and first verifying thousands of them takes seconds; a verified key is cached either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from _report import emit

HERE = Path(__file__).resolve().parent
TARGET = 0.60
BENCH_DB = "monopilot_bench_api"
#: Share of the keys in each tier.
TIER_SHARES = {"basic": 0.5, "standard": 0.35, "premium": 0.15}
#: How many times its share an over-limit key (a ``basic`` one) sends.
OVER_FACTOR = 10
ORGS = 50


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


def wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
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
        await conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    await engine.dispose()
    return make_url(admin_url).set(database=BENCH_DB).render_as_string(False)


class Key:
    def __init__(self, text: str, key_id: uuid.UUID, tier: str, over: bool) -> None:
        self.text, self.id, self.tier, self.over = text, key_id, tier, over


async def setup(
    data_dir: Path, redis_url: str, database_url: str | None, count: int, over: float
) -> list[Key]:
    from monopilot_integrations.core.db import migrate
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.plugins.manager import PluginManager
    from monopilot_integrations.core.plugins.registry import Registry
    from monopilot_integrations.core.settings import Settings

    settings = Settings(
        data_dir=data_dir,
        redis_url=redis_url,
        database_url=database_url,
        embedded_worker=False,
        api_key_bcrypt_rounds=4,
    )
    await migrate.upgrade(settings.resolved_database_url, Registry(PluginManager()))
    kernel = Kernel(settings)
    rng = random.Random(20261207)
    orgs = [uuid.uuid4() for _ in range(ORGS)]
    tiers = [tier for tier, share in TIER_SHARES.items() for _ in range(round(share * count))]
    over_count = round(over * count)
    keys: list[Key] = []
    try:

        async def create(n: int, tier: str) -> Key:
            record, text = await kernel.api_keys.create(
                orgs[n % ORGS], name=f"bench-{n}", scopes=["read:products"], rate_limit_tier=tier
            )
            return Key(text, record.id, tier, over=False)

        for start in range(0, len(tiers), 50):  # created 50 at a time
            keys += await asyncio.gather(
                *(create(n, tier) for n, tier in enumerate(tiers) if start <= n < start + 50)
            )
    finally:
        await kernel.close()
    for key in rng.sample([key for key in keys if key.tier == "basic"], over_count):
        key.over = True
    return keys


def traffic_script(keys: list[Key], folder: Path) -> tuple[Path, float]:
    """A wrk script picking a key per request, each in proportion to its tier's rate (over
    keys: ``OVER_FACTOR`` times that); returns it and the compliant keys' combined rate
    per second."""
    from monopilot_integrations.core.ratelimit import DEFAULT_TIERS

    weights: list[int] = []
    budget = 0.0
    for index, key in enumerate(keys, start=1):
        per_minute = DEFAULT_TIERS[key.tier].per_minute
        if not key.over:
            budget += per_minute / 60
        weights += [index] * (per_minute // 60 * (OVER_FACTOR if key.over else 1))
    script = folder / "traffic.lua"
    script.write_text(
        "local keys = " + _lua_list(json.dumps(key.text) for key in keys) + "\n"
        "local pick = " + _lua_list(str(w) for w in weights) + "\n"
        """local requests = {}
local count = #pick
init = function(args)
  math.randomseed(os.time() + os.clock() * 1000000)
  for i, text in ipairs(keys) do
    requests[i] = wrk.format("GET", nil, {["Authorization"] = "Bearer " .. text})
  end
end
request = function()
  return requests[pick[math.random(count)]]
end
"""
    )
    return script, budget


def _lua_list(items: Iterable[str]) -> str:
    return "{" + ",".join(items) + "}"


async def refusals(database_url: str | None, data_dir: Path, keys: list[Key]) -> dict[str, int]:
    """429s in the integration log, for compliant and for over-limit keys."""
    from sqlalchemy import func, select

    from monopilot_integrations.core.db.database import Database
    from monopilot_integrations.core.db.tables import LogRow
    from monopilot_integrations.core.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=database_url)
    database = Database(settings.resolved_database_url)
    try:
        async with database.system_session() as session:
            rows = await session.execute(
                select(LogRow.api_key_id, func.count().label("refused"))
                .where(LogRow.http_status == 429)
                .group_by(LogRow.api_key_id)
            )
            by_key = {row.api_key_id: row.refused for row in rows}
    finally:
        await database.dispose()
    over = {key.id for key in keys if key.over}
    return {
        "compliant": sum(n for key_id, n in by_key.items() if key_id not in over),
        "over": sum(n for key_id, n in by_key.items() if key_id in over),
    }


async def verify_all(url: str, keys: list[Key], concurrency: int = 32) -> None:
    """One request per key: a server in steady state has its active keys verified."""
    import aiohttp

    queue = list(keys)
    async with aiohttp.ClientSession() as client:

        async def worker() -> None:
            while queue:
                key = queue.pop()
                headers = {"Authorization": f"Bearer {key.text}"}
                async with client.get(url, headers=headers) as response:
                    await response.read()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def probe_retry_after(url: str, key: Key) -> str | None:
    """Sends as one over-limit key until refused; the 429's Retry-After."""
    import urllib.error
    import urllib.request

    for _ in range(1000):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key.text}"})
        try:
            with urllib.request.urlopen(request, timeout=10):
                continue
        except urllib.error.HTTPError as refused:
            if refused.code == 429:
                return refused.headers.get("Retry-After")
            raise
    return None


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
    process: subprocess.Popen[bytes], url: str, args: argparse.Namespace, script: Path
) -> dict[str, float]:
    cpu_before = cpu_seconds(process.pid)
    result = wrk(url, args.seconds, args.connections, script)
    requests = result["rps"] * args.seconds
    result["cpu_us"] = (
        (cpu_seconds(process.pid) - cpu_before) / requests * 1e6 if requests else float("nan")
    )
    return result


def median_row(rows: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(row[name] for row in rows) for name in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, medians kept")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keys", type=int, default=3000, help="active API keys")
    parser.add_argument("--over", type=float, default=0.05, help="share of over-limit keys")
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
        keys = asyncio.run(setup(data_dir, redis_url, database_url, args.keys, args.over))
        script, budget = traffic_script(keys, data_dir)
        servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        retry_after = None
        try:
            for mode in modes:
                process, port = start_server(mode, data_dir, redis_url, database_url)
                url = f"http://127.0.0.1:{port}/api/bench/ping"
                servers[mode] = (process, url)
                asyncio.run(verify_all(url, keys))
                wrk(url, 3, args.connections, script)  # warm-up
            over_key = next(key for key in keys if key.over)
            retry_after = probe_retry_after(servers["full"][1], over_key)
            # Rounds in rotation, so a burst of load from elsewhere hits every mode alike.
            for _ in range(args.rounds):
                for mode in modes:
                    process, url = servers[mode]
                    runs[mode].append(measure(process, url, args, script))
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
        refused = asyncio.run(refusals(database_url, data_dir, keys))
    results = {mode: median_row(rows) for mode, rows in runs.items()}
    bare, noapi, full = results["bare"], results["noapi"], results["full"]
    store = "PostgreSQL" if args.postgres else "SQLite"
    over_count = sum(key.over for key in keys)
    print(
        f"integration log in {store}; rate limit in Redis; wrk -t1 -c{args.connections}, "
        f"{args.seconds}s per run, median of {args.rounds} rounds"
    )
    print(
        f"{len(keys)} keys ({', '.join(f'{share:.0%} {t}' for t, share in TIER_SHARES.items())}) "
        f"in {ORGS} organisations, {over_count} basic ones sending {OVER_FACTOR}x their share; "
        f"compliant keys' combined rate {budget:.0f} req/s"
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
    print(
        f"429s in the integration log (all runs): {refused['over']} to over-limit keys, "
        f"{refused['compliant']} to compliant keys; an over-limit key's 429 carried "
        f"Retry-After: {retry_after}"
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
    emit(
        "API gateway overhead",
        workload=f"{len(keys)} keys in {ORGS} orgs, {over_count} over their limit; wrk "
        f"-c{args.connections}; log in {store}, limits in Redis",
        figure=full["rps"],
        unit="req/s",
        baseline=noapi["rps"],
        ratio=target,
        target=f">= {TARGET:.2f}x the handler without key, limit, scope and log",
        passed=target >= TARGET,
    )


if __name__ == "__main__":
    main()
