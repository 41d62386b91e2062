"""Rate-limit tiers and the contract every limiter keeps.

A tier is what an API key is allowed (the architecture document's table): a per-minute rate
with a burst allowance, and an hourly quota on top. The limiters (in memory, in Redis) answer
one :class:`RateLimitResult` per request; the rate-limit middleware turns it into the
``X-RateLimit-*`` headers and, when refused, a 429 with ``Retry-After``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Protocol

#: Same limit as the ``rate_limit_tier`` column (VARCHAR(20)), so a configured tier can be
#: stored on a key.
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


@dataclass(frozen=True)
class Tier:
    """``per_minute`` steady rate, ``burst`` requests at once, ``per_hour`` quota on top."""

    name: str
    per_minute: int
    per_hour: int
    burst: int

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(
                f"rate-limit tier name {self.name!r}: use 1-20 letters, digits, '_', '.', '-'"
            )
        for field in ("per_minute", "per_hour", "burst"):
            value = getattr(self, field)
            # bool is an int subclass; True as a limit is always a mistake.
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"rate-limit tier {self.name!r}: {field} must be a positive integer, "
                    f"got {value!r}"
                )

    @property
    def interval(self) -> float:
        """GCRA emission interval: seconds between two requests at the steady rate."""
        return 60.0 / self.per_minute


DEFAULT_TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("basic", per_minute=60, per_hour=1000, burst=10),
        Tier("standard", per_minute=300, per_hour=10000, burst=50),
        Tier("premium", per_minute=1000, per_hour=50000, burst=200),
    )
}


def tiers_from_config(spec: str | None) -> dict[str, Tier]:
    """The tiers in effect: :data:`DEFAULT_TIERS` plus the overrides in ``spec``.

    ``spec`` is ``MONOPILOT_RATE_LIMIT_TIERS``: comma-separated
    ``name=per_minute/per_hour/burst`` entries, e.g.
    ``"basic=60/1000/10,bench=1000000/100000000/100000"``. An entry replaces the default
    tier of that name or adds a new one (a benchmark tier, a customer's contract). Every
    problem is a :class:`ValueError` naming the entry, because a typo here would otherwise
    surface as every key silently falling back to ``basic``.
    """
    tiers = dict(DEFAULT_TIERS)
    if spec is None or not spec.strip():
        return tiers
    seen: set[str] = set()
    for raw in spec.split(","):
        entry = raw.strip()
        if not entry:
            continue
        name, sep, numbers = (part.strip() for part in entry.partition("="))
        parts = [part.strip() for part in numbers.split("/")]
        if not sep or not name or len(parts) != 3:
            raise ValueError(
                f"rate-limit tier entry {entry!r}: expected name=per_minute/per_hour/burst, "
                f"e.g. basic=60/1000/10"
            )
        if name in seen:
            raise ValueError(f"rate-limit tier {name!r} is configured twice")
        seen.add(name)
        values: list[int] = []
        for label, text in zip(("per_minute", "per_hour", "burst"), parts, strict=True):
            if not (text.isascii() and text.isdigit()):
                raise ValueError(
                    f"rate-limit tier entry {entry!r}: {label} must be a positive integer, "
                    f"got {text!r}"
                )
            values.append(int(text))
        tiers[name] = Tier(name, per_minute=values[0], per_hour=values[1], burst=values[2])
    return tiers


class RateLimitResult(NamedTuple):
    """One limiter decision, with what the response headers need.

    ``limit`` is the per-minute limit (``X-RateLimit-Limit``); ``remaining`` what the
    minute bucket and the hourly quota still both allow right now; ``reset_after`` seconds
    until the minute bucket is full again or, when the hourly quota is the binding limit,
    until the hour resets; ``retry_after`` seconds until a retry can succeed (0 when
    allowed); ``stamp`` the key-state stamp read in the same operation (``None`` when no
    ``stamp_key`` was given or nobody set one).

    A named tuple, not a frozen dataclass: one is made per API request, and a frozen
    dataclass sets each field through ``object.__setattr__``.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float
    stamp: str | None


class RateLimiter(Protocol):
    """A shared budget per key. Implementations: in memory (one process), Redis (all)."""

    async def hit(self, key: str, tier: Tier, *, stamp_key: str | None = None) -> RateLimitResult:
        """Count one request against ``key`` under ``tier``, atomically.

        A refused request consumes nothing. With ``stamp_key``, the stamp stored under it
        is returned in the same operation, so the caller learns whether its cached key
        verification is stale without a second round trip.
        """
        ...

    async def set_stamp(self, stamp_key: str, value: str, *, only_if_absent: bool = False) -> None:
        """Publish a key's stamp (it changes when the key is suspended/revoked/regenerated).

        ``only_if_absent`` writes only where no stamp is published yet: a process filling in
        a missing stamp from the database must not overwrite a newer one written meanwhile.
        """
        ...

    async def close(self) -> None:
        """Release what the limiter owns (a Redis client made by ``from_url``)."""
        ...
