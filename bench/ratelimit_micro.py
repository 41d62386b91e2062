"""Micro-benchmark of the rate limiters: µs per ``hit``, sequential and 64 concurrent.

    .venv/bin/python bench/ratelimit_micro.py [redis-url] [--n 20000]

Prints wall time and this process's CPU time per operation (the CPU figure is what a
server process pays per request; Redis's own CPU is not included). The Redis rows come
with reference operations measured in the same run, for ratios: a bare PING (the raw round
trip) and an INCR+EXPIRE pipeline (what a plain fixed-window counter sends). No
assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable

import redis.asyncio

from monopilot_integrations.core.ratelimit import MemoryRateLimiter, RedisRateLimiter, Tier

TIER = Tier("bench", per_minute=1_000_000, per_hour=100_000_000, burst=100_000)
KEYS = [f"key-{n}" for n in range(1000)]
CONCURRENCY = 64

Op = Callable[[int], Awaitable[object]]


async def measure(op: Op, n: int, concurrency: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per operation."""

    async def worker(start: int) -> None:
        for i in range(start, n, concurrency):
            await op(i)

    for i in range(min(n // 10, 2000)):  # warm up: connections, script cache
        await op(i)
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(s) for s in range(concurrency)))
    return (
        (time.perf_counter() - wall) / n * 1e6,
        (time.process_time() - cpu) / n * 1e6,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url",
        nargs="?",
        default=os.environ.get("MONOPILOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    n: int = args.n

    rows: list[tuple[str, int, float, float]] = []

    memory = MemoryRateLimiter()

    async def memory_hit(i: int) -> object:
        return await memory.hit(KEYS[i % len(KEYS)], TIER, stamp_key=KEYS[i % len(KEYS)])

    for conc in (1, CONCURRENCY):
        rows.append(("memory hit", conc, *await measure(memory_hit, n, conc)))

    client = redis.asyncio.Redis.from_url(args.url, max_connections=CONCURRENCY + 4)
    prefix = f"mp:rl:bench:{uuid.uuid4().hex[:8]}:"
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        print(f"Redis at {args.url} unreachable ({exc}); memory rows only")
        client = None  # type: ignore[assignment]
    if client is not None:
        limiter = RedisRateLimiter(client, prefix=prefix)

        async def ping(i: int) -> object:
            return await client.ping()

        async def pipeline(i: int) -> object:
            async with client.pipeline(transaction=False) as pipe:
                key = f"{prefix}{KEYS[i % len(KEYS)]}:count"
                pipe.incr(key)
                pipe.expire(key, 60)
                return await pipe.execute()

        async def redis_hit(i: int) -> object:
            return await limiter.hit(KEYS[i % len(KEYS)], TIER, stamp_key=KEYS[i % len(KEYS)])

        try:
            for name, op in (
                ("redis PING (raw round trip)", ping),
                ("redis INCR+EXPIRE pipeline", pipeline),
                ("redis hit (EVALSHA script)", redis_hit),
            ):
                for conc in (1, CONCURRENCY):
                    rows.append((name, conc, *await measure(op, n, conc)))
        finally:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
            for start in range(0, len(keys), 500):
                await client.delete(*keys[start : start + 500])
            await client.aclose()

    print(f"{'operation':<30} {'conc':>4} {'wall µs/op':>11} {'CPU µs/op':>10} {'ops/s':>9}")
    for name, conc, wall, cpu in rows:
        print(f"{name:<30} {conc:>4} {wall:>11.1f} {cpu:>10.1f} {1e6 / wall:>9.0f}")


if __name__ == "__main__":
    asyncio.run(main())
