"""The in-memory limiter: the embedded default, exact for one server process.

Each key's state is its GCRA TAT and its count in the current hour. ``hit`` never awaits,
so on one event loop the read-decide-write is a single uninterrupted step: concurrent
requests of one key cannot both spend the last token. (Several server processes each keep
their own budget; that is what :class:`~.redis.RedisRateLimiter` is for.)

Memory stays bounded by the keys active within the last hour: every so many hits, keys whose
bucket is full again and whose hour window has passed are dropped; such a key behaves
exactly like one never seen, so eviction loses nothing. The sweep runs after at least as
many hits as there are keys, which keeps its cost O(1) per hit on average.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from monopilot_integrations.core.ratelimit.gcra import hour_window, rate_limit_check
from monopilot_integrations.core.ratelimit.tiers import RateLimitResult, Tier


class _Bucket:
    __slots__ = ("hour", "tat", "used")

    def __init__(self, tat: float, hour: int, used: int) -> None:
        self.tat = tat
        self.hour = hour
        self.used = used


class MemoryRateLimiter:
    """Per-process rate limiter. ``clock`` returns epoch seconds (tests pass their own)."""

    def __init__(self, clock: Callable[[], float] = time.time, *, sweep_every: int = 1024) -> None:
        if sweep_every < 1:
            raise ValueError(f"sweep_every must be at least 1, got {sweep_every!r}")
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._stamps: dict[str, str] = {}
        self._sweep_every = sweep_every
        self._until_sweep = sweep_every

    def __len__(self) -> int:
        """How many keys hold state (for tests and metrics)."""
        return len(self._buckets)

    async def hit(self, key: str, tier: Tier, *, stamp_key: str | None = None) -> RateLimitResult:
        # Synchronous from here to the return: this is the critical section.
        now = self._clock()
        hour, _ = hour_window(now)
        bucket = self._buckets.get(key)
        tat: float | None = None
        used = 0
        if bucket is not None:
            tat = bucket.tat
            if bucket.hour == hour:
                used = bucket.used
        stamp = self._stamps.get(stamp_key) if stamp_key is not None else None
        result, new_tat = rate_limit_check(tier, tat, used, now, stamp=stamp)
        if result.allowed:
            if bucket is None:
                self._buckets[key] = _Bucket(new_tat, hour, used + 1)
            else:
                bucket.tat, bucket.hour, bucket.used = new_tat, hour, used + 1
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            self._sweep(now, hour)
        return result

    async def set_stamp(self, stamp_key: str, value: str, *, only_if_absent: bool = False) -> None:
        if only_if_absent and stamp_key in self._stamps:
            return
        self._stamps[stamp_key] = value

    async def close(self) -> None:
        """Nothing to release; the state goes with the object."""

    def _sweep(self, now: float, hour: int) -> None:
        idle = [
            key for key, bucket in self._buckets.items() if bucket.tat <= now and bucket.hour < hour
        ]
        for key in idle:
            del self._buckets[key]
        self._until_sweep = max(self._sweep_every, len(self._buckets))
