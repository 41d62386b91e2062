"""Rate limits that survive the loss of their Redis: per-process limits until it is back.

The shared limiter (:class:`~.redis.RedisRateLimiter`) is the right budget while Redis
answers. When it does not, failing every API call (event publishing included) would turn
a cache outage into a full outage; letting every call through would drop the limits. So
:class:`DegradingRateLimiter` answers from an in-memory limiter of this process meanwhile:
each process enforces the tier on its own (a client spread over N processes may get up to
N times its budget, for the length of the outage). It

* logs one warning when an outage starts and one line when Redis is back (never one per
  request);
* counts outages and the hits answered in memory, and says since when it is degraded
  (``/metrics`` and ``/readyz`` report them);
* tries Redis again with one request every ``probe_interval`` seconds while degraded;
* returns no key stamp while degraded and publishes none: the caller then confirms a
  cached key verification against the database (at most once a second per key), so a key
  suspended in another process is still refused during the outage.

The :class:`~.tiers.RateLimiter` interface is unchanged: it wraps any limiter.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from monopilot_integrations.core.ratelimit.memory import MemoryRateLimiter
from monopilot_integrations.core.ratelimit.tiers import RateLimiter, RateLimitResult, Tier

log = logging.getLogger(__name__)


class DegradingRateLimiter:
    """``primary`` while it answers, a per-process ``fallback`` while it does not."""

    def __init__(
        self,
        primary: RateLimiter,
        fallback: RateLimiter | None = None,
        *,
        probe_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "rate-limit Redis",
    ) -> None:
        self.primary = primary
        self.fallback: RateLimiter = fallback or MemoryRateLimiter()
        self.probe_interval = probe_interval
        self.clock = clock
        self.name = name
        #: ``time.time()`` when the current outage began; ``None`` while healthy.
        self.degraded_since: float | None = None
        self.outages = 0
        self.fallback_hits = 0
        self._next_probe = 0.0

    @property
    def degraded(self) -> bool:
        return self.degraded_since is not None

    async def hit(self, key: str, tier: Tier, *, stamp_key: str | None = None) -> RateLimitResult:
        if self._use_primary():
            try:
                result = await self.primary.hit(key, tier, stamp_key=stamp_key)
            except Exception as exc:
                self._failed(exc)
            else:
                self._recovered()
                return result
        self.fallback_hits += 1
        return await self.fallback.hit(key, tier)

    async def set_stamp(self, stamp_key: str, value: str, *, only_if_absent: bool = False) -> None:
        if self.degraded:
            return  # a stamp kept in one process would hide another's suspension
        try:
            await self.primary.set_stamp(stamp_key, value, only_if_absent=only_if_absent)
        except Exception as exc:
            self._failed(exc)

    async def check(self) -> bool:
        """Ask the shared limiter's store whether it answers now (for ``/readyz``, which
        must see an outage even when no API call has met it yet); True when healthy."""
        ping = getattr(self.primary, "ping", None)
        if ping is None:
            return not self.degraded
        try:
            await ping()
        except Exception as exc:
            self._failed(exc)
            return False
        self._recovered()
        return True

    async def close(self) -> None:
        try:
            await self.primary.close()
        finally:
            await self.fallback.close()

    def _use_primary(self) -> bool:
        if self.degraded_since is None:
            return True
        now = self.clock()
        if now >= self._next_probe:
            self._next_probe = now + self.probe_interval  # one probe per interval
            return True
        return False

    def _failed(self, exc: BaseException) -> None:
        self._next_probe = self.clock() + self.probe_interval
        if self.degraded_since is None:
            self.degraded_since = time.time()
            self.outages += 1
            log.warning(
                "%s unreachable (%s: %s): enforcing rate limits per process until it is back",
                self.name,
                type(exc).__name__,
                exc,
            )

    def _recovered(self) -> None:
        if self.degraded_since is not None:
            log.warning(
                "%s is back after %.0f s: rate limits are shared again",
                self.name,
                time.time() - self.degraded_since,
            )
            self.degraded_since = None
