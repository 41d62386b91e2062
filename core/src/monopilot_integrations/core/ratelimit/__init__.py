"""API rate limiting: per-key tiers, GCRA per minute with a burst, a quota per hour.

Each API key has a tier (:mod:`.tiers`): ``basic`` 60/min, 1000/h, burst 10; ``standard``
300/min, 10000/h, burst 50; ``premium`` 1000/min, 50000/h, burst 200. "Burst" means a
client may send that many requests at once, after which the per-minute rate applies; that
is GCRA (:mod:`.gcra`). The hourly quota caps on top as a fixed window aligned to the hour.
A request passes only if both allow it, and a refused request consumes nothing.

Two limiters keep the :class:`RateLimiter` contract: :class:`MemoryRateLimiter` (the
embedded default, one process) and :class:`RedisRateLimiter` (every process shares one
budget). Both are transcriptions of the pure functions in :mod:`.gcra` and pass the same
behavioural tests. :class:`DegradingRateLimiter` wraps the Redis one so that an outage of
Redis degrades to per-process limits instead of failing the API (:mod:`.degrading`).

**Why our own ~40-line Lua GCRA rather than throttled-py or limits.** A request needs three
answers from Redis: the minute bucket, the hourly quota, and the key's *stamp* (which
changes when the key is suspended, revoked or regenerated, so every server process can
tell that its cached verification of the key is stale). ``limits`` has no GCRA (fixed,
moving and sliding windows only) and checks several limits one after the other,
non-atomically, so a request refused by the second limit has already been counted by the
first. throttled-py has a good GCRA on Redis ``TIME``, but one limit per call: the minute
limit, the hourly quota and the stamp would be three round trips, and the minute/hour pair
would not be atomic. One script does all three in one ``EVALSHA``, atomically, and the
Redis limiter sends the hits of every request of one event-loop turn, whatever their keys,
in one call of it.
"""

from __future__ import annotations

from monopilot_integrations.core.ratelimit.degrading import DegradingRateLimiter
from monopilot_integrations.core.ratelimit.gcra import (
    GcraDecision,
    gcra_check,
    hour_window,
    rate_limit_check,
)
from monopilot_integrations.core.ratelimit.memory import MemoryRateLimiter
from monopilot_integrations.core.ratelimit.redis import RedisRateLimiter
from monopilot_integrations.core.ratelimit.tiers import (
    DEFAULT_TIERS,
    RateLimiter,
    RateLimitResult,
    Tier,
    tiers_from_config,
)

__all__ = [
    "DEFAULT_TIERS",
    "DegradingRateLimiter",
    "GcraDecision",
    "MemoryRateLimiter",
    "RateLimitResult",
    "RateLimiter",
    "RedisRateLimiter",
    "Tier",
    "gcra_check",
    "hour_window",
    "rate_limit_check",
    "tiers_from_config",
]
