"""GCRA and the hourly quota, as pure functions over plain numbers.

Like dramatiq's ``compute_backoff``: no clock, no storage, no I/O, so every figure can be
tested exactly, and both limiters (a dict in one process, a Lua script in Redis) are
transcriptions of the same few lines. The Lua script in :mod:`.redis` mirrors
:func:`rate_limit_check` line for line; change them together.

**GCRA** (generic cell rate algorithm, the ATM traffic-shaping algorithm): a key's whole
state is one number, the *theoretical arrival time* (TAT), the time at which its bucket
would be full again had every request arrived exactly at the steady rate. With emission
interval ``T = 60 / per_minute`` and burst tolerance ``tau = (burst - 1) * T``, a request at
``now`` conforms when ``max(TAT, now) + T - (tau + T) <= now``, and then the TAT moves on by
``T``. So a fresh key passes exactly ``burst`` requests at once, then one every ``T``; a
key idle for ``burst * T`` is full again. Unlike a fixed window there is no edge at which
a client can send two windows' worth at once, and unlike a token bucket nothing needs a
refill timer or a second field.

**The hourly quota** caps on top as a fixed window aligned to the hour (a counter per key
per hour number, reset at the top of the next hour), because "requests per hour" in the
tier table reads as a quota a client can plan with, not as a second rate.

A request is allowed only when both allow it, and a refused request changes neither: a
client hammering a closed limit does not push its own reopening further away.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from monopilot_integrations.core.ratelimit.tiers import RateLimitResult, Tier

#: Tolerance (seconds) of the comparisons. Epoch seconds as a double carry ~0.2 µs of
#: rounding, and Redis stores the TAT with 1 µs resolution; without a tolerance a request
#: arriving exactly on time could be refused with ``retry_after`` of a few nanoseconds.
EPSILON = 1e-6

#: Length of the quota window (seconds).
HOUR = 3600


class GcraDecision(NamedTuple):
    """The GCRA verdict for one request.

    A named tuple rather than a frozen dataclass: one is made on every request, and a
    frozen dataclass (five ``object.__setattr__`` calls) costs several times more to build.

    ``new_tat`` is the TAT to store when allowed (when refused: the current TAT; nothing
    needs to be written). ``remaining`` is how many more requests would pass right now,
    ``retry_after`` the seconds until the next one would pass (0 when allowed),
    ``reset_after`` the seconds until the bucket is full again.
    """

    allowed: bool
    new_tat: float
    remaining: int
    retry_after: float
    reset_after: float


def gcra_check(tat: float | None, now: float, interval: float, burst: int) -> GcraDecision:
    """Decide one request at ``now`` against a bucket whose stored TAT is ``tat``.

    ``tat`` is ``None`` for a key never seen (or whose state expired: a full bucket and a
    missing one behave the same, which is why stores may expire the TAT at ``reset_after``).
    """
    if interval <= 0:
        raise ValueError(f"GCRA interval must be positive, got {interval!r}")
    if burst < 1:
        raise ValueError(f"GCRA burst must be at least 1, got {burst!r}")
    base = now if tat is None or tat < now else tat
    new_tat = base + interval
    # The earliest time this request conforms: new_tat - (tau + T) = new_tat - burst * T.
    allow_at = new_tat - burst * interval
    if now + EPSILON < allow_at:
        return GcraDecision(
            allowed=False,
            new_tat=base,
            remaining=0,
            retry_after=allow_at - now,
            reset_after=base - now,
        )
    # The k-th further request conforms while now >= allow_at + k * T.
    remaining = math.floor((now - allow_at + EPSILON) / interval)
    return GcraDecision(
        allowed=True,
        new_tat=new_tat,
        remaining=min(max(remaining, 0), burst - 1),
        retry_after=0.0,
        reset_after=new_tat - now,
    )


def hour_window(now: float) -> tuple[int, float]:
    """The hour number of ``now`` (epoch seconds) and the seconds until the next hour."""
    hour = math.floor(now / HOUR)
    return hour, (hour + 1) * HOUR - now


def rate_limit_check(
    tier: Tier,
    tat: float | None,
    hour_used: int,
    now: float,
    *,
    stamp: str | None = None,
) -> tuple[RateLimitResult, float]:
    """Decide one request: the minute bucket (GCRA) and the hourly quota together.

    ``hour_used`` is how many requests the key already made in the hour of ``now``. Returns
    the result and the TAT to store: when ``result.allowed`` the caller stores that TAT and
    adds one to the hour's count; otherwise it writes nothing (a refusal consumes nothing).

    ``reset_after`` follows the binding limit: the hourly quota binds when it allows no
    more than the minute bucket does right now, since a refilled bucket would then not
    yield a single extra request before the hour turns.
    """
    minute = gcra_check(tat, now, tier.interval, tier.burst)
    _, hour_reset = hour_window(now)
    hour_left = tier.per_hour - hour_used
    allowed = minute.allowed and hour_left > 0
    minute_left = minute.remaining if allowed else 0
    retry_after = 0.0
    if allowed:
        hour_left -= 1
    else:
        if not minute.allowed:
            retry_after = minute.retry_after
        if hour_left <= 0:
            # Both must pass again: wait for the later of the two.
            retry_after = max(retry_after, hour_reset)
    hour_binds = hour_left <= minute_left
    result = RateLimitResult(
        allowed=allowed,
        limit=tier.per_minute,
        remaining=max(min(minute_left, hour_left), 0),
        reset_after=hour_reset if hour_binds else minute.reset_after,
        retry_after=retry_after,
        stamp=stamp,
    )
    return result, minute.new_tat
