"""Rate limiting: the pure GCRA, tiers, and one behavioural suite for both limiters.

The behavioural tests run on the memory limiter (with a clock the test moves, so every
figure is exact) and on the Redis limiter (real Redis; its clock is Redis ``TIME``, so the
test sleeps instead of moving a clock and compares times within a tolerance). A parity test
drives the Lua script with fixed times and checks it against the pure Python decision
figure for figure.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import redis.asyncio

from monopilot_integrations.core.ratelimit import (
    DEFAULT_TIERS,
    MemoryRateLimiter,
    RateLimiter,
    RateLimitResult,
    RedisRateLimiter,
    Tier,
    gcra_check,
    hour_window,
    rate_limit_check,
    tiers_from_config,
)
from tests.support import services

HOUR = 3600
#: Memory tests start one minute past an hour, so the hour resets in exactly 3540 s.
T0 = 500_000 * HOUR + 60.0

# --------------------------------------------------------------------------- pure GCRA


def test_gcra_burst_then_steady_rate() -> None:
    interval, burst, now = 1.0, 3, 1000.0
    tat: float | None = None
    seen = []
    for _ in range(3):
        decision = gcra_check(tat, now, interval, burst)
        assert decision.allowed
        tat = decision.new_tat
        seen.append((decision.remaining, decision.reset_after, decision.retry_after))
    assert seen == [(2, 1.0, 0.0), (1, 2.0, 0.0), (0, 3.0, 0.0)]

    refused = gcra_check(tat, now, interval, burst)
    assert (refused.allowed, refused.remaining) == (False, 0)
    assert refused.retry_after == 1.0
    assert refused.reset_after == 3.0
    assert refused.new_tat == tat  # nothing to write

    # Half an interval later: still refused, half the wait left.
    half = gcra_check(tat, now + 0.5, interval, burst)
    assert not half.allowed
    assert half.retry_after == 0.5
    assert half.reset_after == 2.5

    # Then exactly one per interval.
    for step in range(1, 4):
        at = now + step
        ok = gcra_check(tat, at, interval, burst)
        assert ok.allowed and ok.remaining == 0 and ok.reset_after == 3.0
        tat = ok.new_tat
        again = gcra_check(tat, at, interval, burst)
        assert not again.allowed and again.retry_after == 1.0


def test_gcra_refills_while_idle() -> None:
    first = gcra_check(None, 50.0, 2.0, 5)
    assert (first.allowed, first.remaining, first.reset_after) == (True, 4, 2.0)
    tat = first.new_tat
    for _ in range(4):
        tat = gcra_check(tat, 50.0, 2.0, 5).new_tat
    assert tat == 60.0
    # 4 s later two tokens are back (one now, one more after it).
    later = gcra_check(tat, 54.0, 2.0, 5)
    assert (later.allowed, later.remaining, later.reset_after) == (True, 1, 8.0)
    # An old TAT counts as a full bucket.
    assert gcra_check(10.0, 100.0, 2.0, 5) == gcra_check(None, 100.0, 2.0, 5)


def test_gcra_burst_of_one_is_a_plain_rate() -> None:
    first = gcra_check(None, 0.0, 0.25, 1)
    assert (first.allowed, first.remaining) == (True, 0)
    second = gcra_check(first.new_tat, 0.1, 0.25, 1)
    assert not second.allowed and second.retry_after == pytest.approx(0.15)
    assert gcra_check(first.new_tat, 0.25, 0.25, 1).allowed


def test_gcra_tolerates_rounding_at_the_boundary() -> None:
    interval = 60 / 1000  # 0.06 does not exist as a double
    tat: float | None = None
    now = 1_780_000_000.0
    for _ in range(200):
        decision = gcra_check(tat, now, interval, 200)
        assert decision.allowed
        tat = decision.new_tat
    assert tat is not None
    # One interval later exactly one request conforms, however the sums rounded.
    assert gcra_check(tat, now + interval, interval, 200).allowed


def test_gcra_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="interval"):
        gcra_check(None, 0.0, 0.0, 1)
    with pytest.raises(ValueError, match="burst"):
        gcra_check(None, 0.0, 1.0, 0)


def test_hour_window() -> None:
    assert hour_window(5 * HOUR) == (5, 3600.0)
    assert hour_window(5 * HOUR + 10.5) == (5, 3589.5)


def test_rate_limit_check_combines_minute_and_hour() -> None:
    tier = Tier("t", per_minute=60, per_hour=3, burst=10)
    now = 7 * HOUR + 600.0  # 3000 s before the next hour
    result, tat = rate_limit_check(tier, None, 0, now, stamp="s1")
    # The hour (2 left) binds before the bucket (9 left): reset is the hour's.
    assert result == RateLimitResult(True, 60, 2, 3000.0, 0.0, "s1")
    assert tat == now + 1.0
    result, _ = rate_limit_check(tier, tat, 3, now)
    assert result == RateLimitResult(False, 60, 0, 3000.0, 3000.0, None)

    # The bucket binds while the hour has plenty left.
    roomy = Tier("r", per_minute=60, per_hour=1000, burst=2)
    result, tat = rate_limit_check(roomy, None, 0, now)
    assert (result.remaining, result.reset_after) == (1, 1.0)
    result, tat = rate_limit_check(roomy, tat, 1, now)
    assert (result.allowed, result.remaining, result.reset_after) == (True, 0, 2.0)
    result, _ = rate_limit_check(roomy, tat, 2, now)
    assert (result.allowed, result.retry_after, result.reset_after) == (False, 1.0, 2.0)

    # Both closed: wait for the later one.
    late = 8 * HOUR - 0.5
    result, _ = rate_limit_check(roomy, late + 2.0, 1000, late)
    assert not result.allowed and result.retry_after == 1.0  # minute: 1 s, hour: 0.5 s


# --------------------------------------------------------------------------- tiers


def test_default_tiers_match_the_architecture_document() -> None:
    assert {
        "basic": Tier("basic", 60, 1000, 10),
        "standard": Tier("standard", 300, 10000, 50),
        "premium": Tier("premium", 1000, 50000, 200),
    } == DEFAULT_TIERS
    assert DEFAULT_TIERS["basic"].interval == 1.0
    assert DEFAULT_TIERS["premium"].interval == pytest.approx(0.06)


def test_tiers_from_config() -> None:
    assert tiers_from_config(None) == DEFAULT_TIERS
    assert tiers_from_config("  ") == DEFAULT_TIERS
    tiers = tiers_from_config(" basic = 120/2000/20 , bench=1000000/100000000/100000,")
    assert tiers["basic"] == Tier("basic", 120, 2000, 20)
    assert tiers["bench"] == Tier("bench", 1_000_000, 100_000_000, 100_000)
    assert tiers["premium"] == DEFAULT_TIERS["premium"]
    assert DEFAULT_TIERS["basic"].per_minute == 60  # the defaults are not modified


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("basic", "expected name=per_minute/per_hour/burst"),
        ("=1/2/3", "expected name=per_minute/per_hour/burst"),
        ("basic=60/1000", "expected name=per_minute/per_hour/burst"),
        ("basic=60/1000/10/1", "expected name=per_minute/per_hour/burst"),
        ("basic=60/lots/10", "per_hour must be a positive integer, got 'lots'"),
        ("basic=-1/1000/10", "per_minute must be a positive integer, got '-1'"),
        ("basic=60/1000/0", "burst must be a positive integer, got 0"),
        ("a=1/1/1,a=2/2/2", "'a' is configured twice"),
        ("no spaces=1/1/1", "tier name 'no spaces'"),
    ],
)
def test_tiers_from_config_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tiers_from_config(spec)


def test_tier_validation() -> None:
    with pytest.raises(ValueError, match="per_minute must be a positive integer"):
        Tier("x", 0, 10, 1)
    with pytest.raises(ValueError, match="burst must be a positive integer"):
        Tier("x", 1, 10, True)
    with pytest.raises(ValueError, match="tier name"):
        Tier("x" * 21, 1, 1, 1)


# --------------------------------------------------------------------------- backends


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    """A limiter plus how to let time pass on its clock, and how exact its figures are."""

    name: str
    limiter: RateLimiter
    advance: Callable[[float], Awaitable[None]]
    seconds_to_hour: Callable[[], float]
    peer: Callable[[], Awaitable[RateLimiter]]
    tolerance: float
    cleanup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def near(self, expected: float) -> object:
        return pytest.approx(expected, abs=self.tolerance)


def _memory_backend() -> Backend:
    clock = FakeClock(T0)
    limiter = MemoryRateLimiter(clock)

    async def advance(seconds: float) -> None:
        clock.now += seconds

    async def peer() -> RateLimiter:
        return limiter  # one process: the same limiter

    return Backend(
        name="memory",
        limiter=limiter,
        advance=advance,
        seconds_to_hour=lambda: hour_window(clock.now)[1],
        peer=peer,
        tolerance=1e-6,  # epoch seconds as doubles: ~0.2 µs of rounding
    )


async def _redis_backend(url: str) -> Backend:
    # Redis TIME cannot be moved: stay clear of the top of the hour so that a test's hour
    # window does not change under it.
    to_hour = HOUR - time.time() % HOUR
    if to_hour < 10:
        await asyncio.sleep(to_hour + 0.5)
    prefix = f"mp:rl:test:{uuid.uuid4().hex[:12]}:"
    clients: list[redis.asyncio.Redis] = []

    def limiter_with_own_client() -> RedisRateLimiter:
        client = redis.asyncio.Redis.from_url(url)
        clients.append(client)
        return RedisRateLimiter(client, prefix=prefix)

    async def peer() -> RateLimiter:
        return limiter_with_own_client()

    async def cleanup() -> None:
        client = clients[0]
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        for each in clients:
            await each.aclose()

    return Backend(
        name="redis",
        limiter=limiter_with_own_client(),
        advance=asyncio.sleep,
        seconds_to_hour=lambda: HOUR - time.time() % HOUR,
        peer=peer,
        tolerance=0.25,
        cleanup=[cleanup],
    )


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        made = _memory_backend()
    else:
        made = await _redis_backend(services.need("redis", services.REDIS_URL))
    yield made
    for step in made.cleanup:
        await step()


async def _hits(limiter: RateLimiter, key: str, tier: Tier, n: int) -> list[RateLimitResult]:
    return [await limiter.hit(key, tier) for _ in range(n)]


# --------------------------------------------------------------------------- behaviour


async def test_burst_passes_then_refused(backend: Backend) -> None:
    tier = Tier("slow", per_minute=6, per_hour=1000, burst=10)  # one every 10 s
    results = await _hits(backend.limiter, "key-a", tier, 10)
    assert all(r.allowed for r in results)
    assert [r.remaining for r in results] == list(range(9, -1, -1))
    assert {r.limit for r in results} == {6}
    assert [r.retry_after for r in results] == [0.0] * 10
    for k, result in enumerate(results, start=1):
        assert result.reset_after == backend.near(10.0 * k)

    refused = await backend.limiter.hit("key-a", tier)
    assert not refused.allowed
    assert refused.remaining == 0
    assert 0 < refused.retry_after <= 10.0
    assert refused.retry_after == backend.near(10.0)
    assert refused.reset_after == backend.near(100.0)
    # Another key has its own budget.
    assert (await backend.limiter.hit("key-b", tier)).allowed


async def test_steady_rate_after_the_burst(backend: Backend) -> None:
    tier = Tier("t", per_minute=60, per_hour=1000, burst=3)  # one per second
    assert all(r.allowed for r in await _hits(backend.limiter, "k", tier, 3))
    refused = await backend.limiter.hit("k", tier)
    assert not refused.allowed and refused.retry_after == backend.near(1.0)

    await backend.advance(1.2)
    again = await backend.limiter.hit("k", tier)
    assert again.allowed and again.remaining == 0
    assert again.reset_after == backend.near(2.8)
    refused = await backend.limiter.hit("k", tier)
    assert not refused.allowed
    assert 0 < refused.retry_after <= 1.0
    assert refused.retry_after == backend.near(0.8)


async def test_refused_requests_consume_nothing(backend: Backend) -> None:
    tier = Tier("t", per_minute=60, per_hour=1000, burst=2)
    assert all(r.allowed for r in await _hits(backend.limiter, "k", tier, 2))
    refusals = await _hits(backend.limiter, "k", tier, 20)
    assert not any(r.allowed for r in refusals)
    # Hammering did not push the reopening away.
    assert refusals[-1].retry_after == backend.near(1.0)
    await backend.advance(1.2)
    after = await _hits(backend.limiter, "k", tier, 2)
    assert [r.allowed for r in after] == [True, False]


async def test_hourly_quota_caps(backend: Backend) -> None:
    tier = Tier("quota", per_minute=6000, per_hour=5, burst=100)
    results = await _hits(backend.limiter, "k", tier, 5)
    assert all(r.allowed for r in results)
    assert [r.remaining for r in results] == [4, 3, 2, 1, 0]
    to_hour = backend.seconds_to_hour()
    for result in results:  # the quota binds: the reset is the hour's
        assert result.reset_after == pytest.approx(to_hour, abs=1.0)
    refused = await backend.limiter.hit("k", tier)
    assert not refused.allowed and refused.remaining == 0
    assert refused.retry_after == pytest.approx(to_hour, abs=1.0)
    assert refused.reset_after == pytest.approx(to_hour, abs=1.0)
    assert refused.retry_after > 100 * tier.interval  # the hour's wait, not the minute's


async def test_hourly_quota_applies_on_top_of_the_bucket(backend: Backend) -> None:
    tier = Tier("t", per_minute=600, per_hour=5, burst=3)  # one per 0.1 s
    assert all(r.allowed for r in await _hits(backend.limiter, "k", tier, 3))
    minute_refusals = await _hits(backend.limiter, "k", tier, 10)
    assert not any(r.allowed for r in minute_refusals)
    assert all(r.retry_after <= 0.1 for r in minute_refusals)  # the bucket, not the hour

    await backend.advance(0.35)  # the bucket is full again (3 tokens) ...
    after = await _hits(backend.limiter, "k", tier, 3)
    # ... but only 5 - 3 = 2 remain in the hour: the 10 refusals did not count.
    assert [r.allowed for r in after] == [True, True, False]
    assert after[1].remaining == 0
    assert after[2].retry_after == pytest.approx(backend.seconds_to_hour(), abs=1.0)


async def test_stamp_is_returned_with_every_hit(backend: Backend) -> None:
    tier = Tier("t", per_minute=60, per_hour=1000, burst=1)
    limiter = backend.limiter
    assert (await limiter.hit("key1", tier, stamp_key="key1")).stamp is None
    await limiter.set_stamp("key1", "active:2026-01-01T00:00:00")
    refused = await limiter.hit("key1", tier, stamp_key="key1")
    assert not refused.allowed  # refused hits report the stamp too
    assert refused.stamp == "active:2026-01-01T00:00:00"
    await limiter.set_stamp("key1", "revoked:2026-01-02T00:00:00")
    assert (await limiter.hit("key1", tier, stamp_key="key1")).stamp == (
        "revoked:2026-01-02T00:00:00"
    )
    assert (await limiter.hit("key1", tier)).stamp is None  # not asked for
    assert (await limiter.hit("key2", tier, stamp_key="key2")).stamp is None
    # A stamp published by another process is seen here.
    other = await backend.peer()
    await other.set_stamp("key2", "suspended:x")
    assert (await limiter.hit("key2", tier, stamp_key="key2")).stamp == "suspended:x"


async def test_filling_in_a_missing_stamp_never_overwrites_a_newer_one(backend: Backend) -> None:
    tier = Tier("t", per_minute=60, per_hour=1000, burst=5)
    limiter = backend.limiter
    await limiter.set_stamp("key3", "active:1", only_if_absent=True)  # missing: written
    assert (await limiter.hit("key3", tier, stamp_key="key3")).stamp == "active:1"
    await limiter.set_stamp("key3", "revoked:2")  # a change is always written
    await limiter.set_stamp("key3", "active:1", only_if_absent=True)  # a stale read is not
    assert (await limiter.hit("key3", tier, stamp_key="key3")).stamp == "revoked:2"


async def test_concurrent_hits_allow_exactly_the_burst(backend: Backend) -> None:
    tier = Tier("t", per_minute=6, per_hour=1000, burst=10)
    results = await asyncio.gather(*(backend.limiter.hit("k", tier) for _ in range(50)))
    assert sum(r.allowed for r in results) == 10
    assert sorted(r.remaining for r in results if r.allowed) == list(range(10))


# --------------------------------------------------------------------------- memory only


async def test_memory_hour_quota_resets_at_the_top_of_the_hour() -> None:
    clock = FakeClock(T0)
    limiter = MemoryRateLimiter(clock)
    tier = Tier("t", per_minute=6000, per_hour=2, burst=10)
    assert [r.allowed for r in await _hits(limiter, "k", tier, 3)] == [True, True, False]
    next_hour = (hour_window(T0)[0] + 1) * HOUR
    clock.now = next_hour - 0.1
    refused = await limiter.hit("k", tier)
    assert not refused.allowed and refused.retry_after == pytest.approx(0.1, abs=1e-6)
    clock.now = next_hour
    assert [r.allowed for r in await _hits(limiter, "k", tier, 3)] == [True, True, False]


async def test_memory_evicts_idle_keys_only() -> None:
    clock = FakeClock(T0)
    limiter = MemoryRateLimiter(clock, sweep_every=8)
    tier = Tier("t", per_minute=60, per_hour=2, burst=5)
    for n in range(100):
        await limiter.hit(f"idle-{n}", tier)
    assert len(limiter) > 90  # all within the hour: nothing may go yet
    await _hits(limiter, "busy", tier, 2)

    clock.now += 600  # buckets full, but still the same hour: the counts must stay
    for _ in range(200):
        await limiter.hit("other", tier)
    assert not (await limiter.hit("busy", tier)).allowed
    assert len(limiter) == 102

    clock.now += HOUR  # next hour: everything idle is gone after a sweep or two
    for _ in range(250):  # sweeps run after at least as many hits as there are keys
        await limiter.hit("busy", tier)
    assert len(limiter) == 1


async def test_memory_limiter_keeps_the_protocol() -> None:
    limiter: RateLimiter = MemoryRateLimiter()
    result = await limiter.hit("k", DEFAULT_TIERS["basic"])
    assert result.allowed and result.remaining == 9 and result.limit == 60
    await limiter.close()


# --------------------------------------------------------------------------- redis only


@pytest.mark.redis
async def test_redis_processes_share_one_budget(redis_url: str, redis_prefix: str) -> None:
    first = RedisRateLimiter.from_url(redis_url, prefix=redis_prefix)
    second = RedisRateLimiter.from_url(redis_url, prefix=redis_prefix)
    assert first.client is not second.client
    try:
        tier = Tier("t", per_minute=6, per_hour=1000, burst=10)
        alternating = [await (first if n % 2 else second).hit("k", tier) for n in range(14)]
        assert sum(r.allowed for r in alternating) == 10
        assert not alternating[-1].allowed

        both = await asyncio.gather(
            *(limiter.hit("k2", tier) for limiter in (first, second) for _ in range(25))
        )
        assert sum(r.allowed for r in both) == 10

        quota = Tier("q", per_minute=6000, per_hour=5, burst=100)
        await _hits(first, "k3", quota, 3)
        assert [r.allowed for r in await _hits(second, "k3", quota, 3)] == [True, True, False]
    finally:
        await first.close()
        await second.close()


@pytest.mark.redis
async def test_redis_hits_of_many_keys_at_once_each_spend_their_own_budget(
    redis_url: str, redis_prefix: str
) -> None:
    """Concurrent requests of many keys and tiers travel together; each key still gets
    exactly its burst, and each refusal says when to retry."""
    limiter = RedisRateLimiter.from_url(redis_url, prefix=redis_prefix)
    tiers = [Tier("t", per_minute=60, per_hour=1000, burst=3), Tier("u", 600, 1000, 5)]
    calls = [(f"key-{n}", tiers[n % 2]) for n in range(40) for _ in range(7)]
    random.Random(7).shuffle(calls)
    try:
        results = await asyncio.gather(*(limiter.hit(key, tier) for key, tier in calls))
    finally:
        await limiter.close()
    by_key: dict[str, list[RateLimitResult]] = {}
    for (key, _), result in zip(calls, results, strict=True):
        by_key.setdefault(key, []).append(result)
    for n in range(40):
        got = by_key[f"key-{n}"]
        assert sum(r.allowed for r in got) == tiers[n % 2].burst
        assert all(r.retry_after > 0 for r in got if not r.allowed)


@pytest.mark.redis
async def test_redis_keys_share_one_hash_tag_and_expire(redis_url: str, redis_prefix: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    limiter = RedisRateLimiter(client, prefix=redis_prefix)
    try:
        tier = Tier("t", per_minute=60, per_hour=1000, burst=10)
        result = await limiter.hit("api-key-1", tier, stamp_key="api-key-1")
        assert result.allowed and result.stamp is None
        await limiter.set_stamp("api-key-1", "active:1")
        assert (await limiter.hit("api-key-1", tier, stamp_key="api-key-1")).stamp == "active:1"
        keys = sorted([key async for key in client.scan_iter(match=f"{redis_prefix}*")])
        assert len(keys) == 3
        assert all("{api-key-1}" in key for key in keys)
        tat_key, hour_prefix = limiter.keys_of("api-key-1")
        # Two hits: full again in at most 2 s; the TAT lives one second longer (no more:
        # how much of it is left depends on how fast this machine got here).
        assert 0 < await client.pttl(tat_key) <= 3000
        (hour_key,) = [key for key in keys if key.startswith(hour_prefix)]
        assert await client.get(hour_key) == "2"
        assert 60 < await client.ttl(hour_key) <= HOUR + 60
        assert await client.ttl(f"{redis_prefix}{{api-key-1}}:stamp") > 29 * 24 * HOUR
        await limiter.close()  # a borrowed client stays open
        assert await client.ping()
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_redis_script_matches_the_pure_decision(redis_url: str, redis_prefix: str) -> None:
    """Drive the script with fixed times (test-only ARGV) against rate_limit_check."""
    limiter = RedisRateLimiter.from_url(redis_url, prefix=redis_prefix)
    rng = random.Random(20260101)
    tiers = [
        Tier("basic", 60, 1000, 10),
        Tier("odd", per_minute=7, per_hour=9, burst=3),
        Tier("premium", 1000, 50000, 200),
        Tier("bench", 1_000_000, 100_000_000, 100_000),
    ]
    try:
        for tier in tiers:
            key = f"parity-{tier.name}"
            tat: float | None = None
            hour, used = -1, 0
            now = 1_780_000_000.0 + rng.random() * HOUR
            for _ in range(300):
                roll = rng.random()
                if roll < 0.5:
                    pass  # same instant: drains the bucket
                elif roll < 0.97:
                    now += rng.random() * 2 * tier.interval
                else:
                    now += rng.random() * HOUR / 2  # sometimes into the next hour
                expected_hour, _ = hour_window(now)
                hour_used = used if expected_hour == hour else 0
                expected, new_tat = rate_limit_check(tier, tat, hour_used, now)
                got = await limiter._hit(key, tier, None, now)
                assert (got.allowed, got.remaining) == (expected.allowed, expected.remaining)
                assert got.retry_after == float(f"{expected.retry_after:.6f}")
                assert got.reset_after == float(f"{expected.reset_after:.6f}")
                if expected.allowed:
                    # Redis keeps the TAT with 1 µs resolution; model exactly that.
                    tat = float(f"{new_tat:.6f}")
                    hour, used = expected_hour, hour_used + 1
    finally:
        await limiter.close()
