"""The per-webhook rate limit: at most ``rate_limit`` deliveries a second to one webhook,
across every worker process (Svix's ``rateLimit``).

It uses the kernel's rate limiter (the one that guards the API): on Redis when Redis is
configured, so every process draws on one budget, in memory otherwise (one process). The
budget is a GCRA with a burst of one: deliveries are spread evenly, one every
``1 / rate_limit`` seconds, rather than a second's worth at once.

A delivery over the limit waits, it is never dropped: it sleeps until its turn when that
comes within ``rate_limit_wait_seconds``, else it is deferred (run again later without
spending a retry) for about as long as the deliveries already waiting in this process
need. A waiting delivery holds no in-flight slot and no HTTP connection.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

from monopilot_integrations.core.errors import DeferredError
from monopilot_integrations.core.ratelimit import Tier


class Pacer:
    """Per-webhook pacing for one event loop's connector instance."""

    def __init__(self, context: Any, max_wait: float) -> None:
        self.context = context
        self.max_wait = max_wait
        self._tiers: dict[int, Tier] = {}
        self._waiting: Counter[uuid.UUID] = Counter()

    def _tier(self, rate: int) -> Tier:
        tier = self._tiers.get(rate)
        if tier is None:
            # The hourly quota is set so that it never binds before the per-second rate.
            tier = Tier("webhook", per_minute=rate * 60, per_hour=rate * 3600 + 1, burst=1)
            self._tiers[rate] = tier
        return tier

    async def wait_turn(self, webhook_id: uuid.UUID, rate: int) -> None:
        """Return when the delivery may go; raise ``DeferredError`` to wait longer."""
        limiter = self.context.rate_limiter
        tier = self._tier(rate)
        key = f"webhook:{webhook_id}"
        deadline = time.monotonic() + self.max_wait
        self._waiting[webhook_id] += 1
        try:
            while True:
                result = await limiter.hit(key, tier)
                if result.allowed:
                    return
                wait = max(result.retry_after, 1.0 / rate / 4)
                if time.monotonic() + wait > deadline:
                    behind = self._waiting[webhook_id] / rate
                    raise DeferredError(
                        f"the webhook's rate limit ({rate}/s) is reached; the delivery waits "
                        "its turn",
                        retry_after=max(wait, behind),
                    )
                await asyncio.sleep(wait)
        finally:
            self._waiting[webhook_id] -= 1
            if self._waiting[webhook_id] <= 0:
                del self._waiting[webhook_id]
