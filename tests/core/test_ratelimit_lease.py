"""Rate-limit leases: a busy key's tokens banked in process, the budget still shared."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio

from monopilot_integrations.core.ratelimit import DEFAULT_TIERS, RedisRateLimiter, Tier
from monopilot_integrations.core.ratelimit.lease import MAX_LEASE, LeaseBook, lease_cap

HOUR = 3600
LEASE = 0.2
# No refill worth speaking of during a test: every token counts.
Limiters = Callable[..., RedisRateLimiter]
SLOW = Tier("slow", per_minute=1, per_hour=1000, burst=80)


def reply(
    allowed: bool, remaining: int = 0, stamp: str | None = "s", hour: int = 1, tat: float = 11.0
) -> list[object]:
    return [int(allowed), remaining, "0.000000", "1.000000", stamp, hour, f"{tat:.6f}"]


# --------------------------------------------------------------------------- the book


def test_only_tiers_with_a_large_burst_lease() -> None:
    assert lease_cap(DEFAULT_TIERS["basic"]) == 0  # burst 10: exactly as without leases
    assert lease_cap(DEFAULT_TIERS["standard"]) == 6
    assert lease_cap(DEFAULT_TIERS["premium"]) == 25
    assert lease_cap(Tier("huge", 10**6, 10**8, 10**6)) == MAX_LEASE


def test_a_lease_grows_for_a_key_that_comes_back_and_shrinks_otherwise() -> None:
    book = LeaseBook(LEASE)
    premium = DEFAULT_TIERS["premium"]
    assert book.lease_size("k", premium, 100.0) == 0  # first call: no lease
    sizes = [book.lease_size("k", premium, 100.0 + 0.01 * n) for n in range(1, 8)]
    assert sizes == [1, 2, 4, 8, 16, 25, 25]  # doubling up to the cap
    assert book.lease_size("k", premium, 101.0) == 12  # quiet for longer than a lease
    assert book.lease_size("k", DEFAULT_TIERS["basic"], 101.01) == 0
    assert LeaseBook(0).lease_size("k", premium, 1.0) == 0  # leasing off


def test_only_allowed_replies_are_banked_and_spent_in_order() -> None:
    book = LeaseBook(LEASE)
    tier = DEFAULT_TIERS["premium"]
    lease = book.grant("k", tier, "k", 10.0, [reply(True, 5), reply(True, 4), reply(False)])
    assert lease is not None and lease.expires == pytest.approx(10.0 + LEASE)
    assert book.take("k", tier, "other", 10.05) is None  # another stamp key: not this lease
    assert book.take("k", DEFAULT_TIERS["standard"], "k", 10.05) is None  # another tier
    assert book.take("k", tier, "k", 10.05) == reply(True, 5)
    assert book.take("k", tier, "k", 10.05) == reply(True, 4)
    assert book.take("k", tier, "k", 10.05) is None  # spent; the refusal was not banked
    assert book.grant("k", tier, "k", 10.1, [reply(False)]) is None


def test_tokens_left_when_a_lease_ends_are_counted_for_giving_back() -> None:
    book = LeaseBook(LEASE)
    tier = DEFAULT_TIERS["premium"]
    for n in range(6):
        book.lease_size("k", tier, 10.0 + n * 0.01)  # grown to 16
    lease = book.grant("k", tier, "k", 10.0, [reply(True)] * 3)
    assert lease is not None
    assert book.take("k", tier, "k", 10.0 + LEASE) is None  # expired: not spent any more
    assert book.expired("k", lease) == 3
    assert "k" not in book.leases
    assert book.lease_size("k", tier, 10.1) == 16  # halved to 8, then doubled again
    assert book.expired("k", lease) == 0  # counted once


def test_overlapping_grants_share_one_lease_that_ends_with_the_earlier() -> None:
    book = LeaseBook(LEASE)
    tier = DEFAULT_TIERS["premium"]
    # The call sent later answers first; then the one sent earlier.
    later = book.grant("k", tier, "k", 10.05, [reply(True, 9, tat=12.0)])
    assert later is not None and later.expires == pytest.approx(10.05 + LEASE)
    assert book.grant("k", tier, "k", 10.0, [reply(True, 8, tat=11.5)]) is None  # merged
    assert later.expires == pytest.approx(10.0 + LEASE)  # the older grant bounds both
    assert later.granted_tat == "11.500000"  # refunds reckon with the lower TAT
    assert len(later.replies) == 2
    # A grant counted in another hour is never merged into this one.
    other_hour = book.grant("k", tier, "k", 10.06, [reply(True, hour=2)])
    assert other_hour is not None and other_hour is not later


# --------------------------------------------------------------------------- on Redis


@pytest.fixture
async def limiters(redis_url: str, redis_prefix: str) -> AsyncIterator[Limiters]:
    """Limiters sharing the test's Redis prefix (leasing by default), closed afterwards."""
    made: list[RedisRateLimiter] = []

    def make(lease_seconds: float = LEASE) -> RedisRateLimiter:
        made.append(
            RedisRateLimiter.from_url(redis_url, prefix=redis_prefix, lease_seconds=lease_seconds)
        )
        return made[-1]

    yield make
    for limiter in made:
        await limiter.close()


@pytest.fixture
async def probe(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def _script_calls(client: redis.asyncio.Redis) -> int:
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


@pytest.mark.redis
async def test_a_busy_key_is_answered_from_its_lease(
    limiters: Limiters, probe: redis.asyncio.Redis
) -> None:
    limiter = limiters()
    before = await _script_calls(probe)
    results = [await limiter.hit("busy", SLOW, stamp_key="busy") for _ in range(60)]
    calls = await _script_calls(probe) - before
    assert all(r.allowed for r in results)
    # Each answer is the one Redis computed for that token: remaining counts down.
    assert [r.remaining for r in results] == list(range(79, 19, -1))
    assert calls < 20  # instead of 60 round trips


@pytest.mark.redis
async def test_two_leasing_processes_still_share_exactly_one_budget(
    limiters: Limiters, probe: redis.asyncio.Redis
) -> None:
    first, second = limiters(), limiters()
    _, hour_prefix = first.keys_of("k")
    used_first = sum([(await first.hit("k", SLOW)).allowed for _ in range(30)])
    assert used_first == 30
    assert first.leases.leases["k"].replies  # tokens banked and not used
    hour_key = f"{hour_prefix}:{int(time.time() // HOUR)}"
    assert int(await probe.get(hour_key)) > 30  # they count while banked ...
    await asyncio.sleep(LEASE + 0.15)  # ... until the lease ends and gives them back
    assert int(await probe.get(hour_key)) == 30
    assert "k" not in first.leases.leases

    # The rest of the burst, and not one token more, for both together: what one of
    # them still holds in a lease is the other's for at most a lease's life.
    def banked() -> int:
        return sum(
            len(lease.replies)
            for limiter in (first, second)
            for lease in limiter.leases.leases.values()
        )

    both = await asyncio.gather(
        *(limiter.hit("k", SLOW) for _ in range(40) for limiter in (first, second))
    )
    allowed = sum(r.allowed for r in both)
    assert allowed + banked() == 80 - 30
    assert int(await probe.get(hour_key)) == 80
    await asyncio.sleep(LEASE + 0.15)
    assert banked() == 0
    assert int(await probe.get(hour_key)) == 30 + allowed
    late = [await second.hit("k", SLOW) for _ in range(60 - allowed)]
    assert sum(r.allowed for r in late) == 80 - 30 - allowed


@pytest.mark.redis
async def test_settle_drops_the_lease_and_outwaits_every_other_one(limiters: Limiters) -> None:
    changer, server = limiters(), limiters()
    await changer.set_stamp("key", "active:1")
    for _ in range(10):
        assert (await server.hit("key", SLOW, stamp_key="key")).stamp == "active:1"
    assert server.leases.leases["key"].replies
    for _ in range(10):
        assert (await changer.hit("key", SLOW, stamp_key="key")).stamp == "active:1"
    assert changer.leases.leases["key"].replies

    await changer.set_stamp("key", "suspended:2")
    # Within a lease, the other process still answers with what it was granted ...
    assert (await server.hit("key", SLOW, stamp_key="key")).stamp == "active:1"
    started = time.monotonic()
    await changer.settle("key")
    assert time.monotonic() - started >= LEASE
    assert "key" not in changer.leases.leases  # dropped at once here
    # ... but once the change has answered, no process does any more.
    assert (await server.hit("key", SLOW, stamp_key="key")).stamp == "suspended:2"
    assert (await changer.hit("key", SLOW, stamp_key="key")).stamp == "suspended:2"


@pytest.mark.redis
async def test_closing_gives_back_what_is_banked(
    limiters: Limiters, probe: redis.asyncio.Redis
) -> None:
    limiter = limiters(lease_seconds=5.0)
    for _ in range(12):
        await limiter.hit("k", SLOW)
    assert limiter.leases.leases["k"].replies
    await limiter.close()
    _, hour_prefix = limiter.keys_of("k")
    assert int(await probe.get(f"{hour_prefix}:{int(time.time() // HOUR)}")) == 12


@pytest.mark.redis
async def test_a_refund_gives_back_only_what_is_still_reserved(limiters: Limiters) -> None:
    """Two keys see the same hits at the same Redis times; only one has a leasing
    process whose banked tokens go unused. Once they are given back, the other process
    gets exactly as much of a burst on either key: time that passed meanwhile refilled
    the bucket once, and the refund does not hand it out a second time."""
    fast = Tier("fast", per_minute=60000, per_hour=10**7, burst=800)  # 1 ms per token
    leasing, plain, other = limiters(), limiters(lease_seconds=0), limiters(lease_seconds=0)
    while len(getattr(leasing.leases.leases.get("a"), "replies", ())) < 32:
        await asyncio.gather(leasing.hit("a", fast), plain.hit("b", fast))
    lease = leasing.leases.leases["a"]

    async def burst(n: int) -> tuple[int, int]:
        # One batch (one Redis TIME) carries the hits of both keys.
        results = await asyncio.gather(
            *(other.hit(key, fast) for _ in range(n) for key in ("a", "b"))
        )
        return sum(r.allowed for r in results[0::2]), sum(r.allowed for r in results[1::2])

    # Late in the lease, the other process's hits stack on top of its reservation ...
    await asyncio.sleep(max(lease.expires - time.monotonic() - 0.03, 0))
    assert await burst(100) == (100, 100)
    await asyncio.sleep(max(lease.expires - time.monotonic(), 0) + 0.02)  # given back
    # ... and the refund must not free the time that has passed since.
    on_a, on_b = await burst(1000)
    assert on_a == on_b
