"""Leases: a busy key's tokens taken from Redis a few at a time, spent in process.

A key that calls many times a second costs the shared limiter one Redis round trip per
event-loop iteration even with concurrent hits coalesced (:mod:`.redis`). With leasing on
(``lease_seconds > 0``), the limiter asks for a few *extra* hits along with the ones it
has to send anyway; the extra ones Redis allows (GCRA and the hourly quota, atomically, as
for any hit) are banked here, each with the reply Redis computed for it, and the next
requests of that key in this process are answered from the bank without a round trip.

What keeps this safe:

* **The budget stays shared.** Banked tokens were spent in Redis when they were granted;
  no process can hand out more than the tier allows. Tokens still banked when the lease
  ends are given back (:meth:`LeaseBook.expired` -> the limiter's refund script), so a
  process that stops calling does not sit on another's budget for longer than a lease.
* **Leases are short and small.** A lease lives ``lease_seconds`` (default 0.1 s) counted
  from the moment its request left for Redis, and holds at most an eighth of the tier's
  burst (and at most :data:`MAX_LEASE`): tiers with a burst under 16 (``basic``) never
  lease, and their keys behave exactly as without leasing. A lease grows (doubling) only
  for a key that keeps coming back within a lease's lifetime, and shrinks when tokens were
  left over.
* **Key changes still take effect on the very next request.** A banked reply carries the
  key's stamp as it was when the lease was granted. So when a key is suspended, revoked,
  regenerated or changed, the process making the change drops its own lease and then
  waits ``lease_seconds`` before answering (:meth:`RedisRateLimiter.settle`): by then every
  lease granted before the change has ended in every process, and any request that starts
  after the answer reads the new stamp from Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monopilot_integrations.core.ratelimit.tiers import Tier

#: The most tokens one lease may hold, whatever the tier.
MAX_LEASE = 64
#: A lease holds at most ``burst // BURST_SHARE`` tokens (a tier with a smaller burst than
#: ``2 * BURST_SHARE`` never leases).
BURST_SHARE = 8


def lease_cap(tier: Tier) -> int:
    """The most tokens a lease of ``tier`` may hold; 0 when the tier does not lease."""
    cap = min(tier.burst // BURST_SHARE, MAX_LEASE)
    return cap if cap >= 2 else 0


@dataclass(slots=True)
class Lease:
    """Tokens of one key banked in this process, newest reply last."""

    tier: Tier
    stamp_key: str | None
    expires: float  # monotonic
    hour: int  # Redis's hour counter the tokens were counted in (for the refund)
    granted_tat: str  # the TAT the grant left in Redis (the refund gives back only the
    # part of the unused tokens' reservation that is still in the future)
    replies: list[Any] = field(default_factory=list)  # popped from the end

    def take(self, tier: Tier, stamp_key: str | None, now: float) -> Any | None:
        if now >= self.expires or not self.replies or stamp_key != self.stamp_key:
            return None
        if tier is not self.tier and tier != self.tier:
            return None
        return self.replies.pop()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(slots=True)
class _Demand:
    last_call: float
    size: int


class LeaseBook:
    """The leases of one limiter (one event loop), and how big the next one should be."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.leases: dict[str, Lease] = {}
        self._demand: dict[str, _Demand] = {}

    def take(self, key: str, tier: Tier, stamp_key: str | None, now: float) -> Any | None:
        """A banked reply for one hit of ``key``, or None (go to Redis)."""
        lease = self.leases.get(key)
        if lease is None:
            return None
        return lease.take(tier, stamp_key, now)

    def lease_size(self, key: str, tier: Tier, now: float) -> int:
        """How many tokens to ask for on top of the hits being sent for ``key``."""
        cap = lease_cap(tier)
        if not cap or self.seconds <= 0:
            return 0
        demand = self._demand.get(key)
        if demand is None:
            if len(self._demand) >= 10_000:  # API key ids: few, but keep it bounded
                self._demand.clear()
            self._demand[key] = _Demand(now, 0)
            return 0
        if now - demand.last_call < self.seconds:  # back within a lease's life: grow
            demand.size = min(max(demand.size * 2, 1), cap)
        else:
            demand.size //= 2
        demand.last_call = now
        return demand.size

    def grant(
        self,
        key: str,
        tier: Tier,
        stamp_key: str | None,
        sent_at: float,
        replies: list[Any],
    ) -> Lease | None:
        """Bank the allowed ``replies`` (in the order Redis applied them) for ``key``.
        A reply is ``(allowed, remaining, retry_after, reset_after, stamp, hour, tat)``.

        Returns the lease the caller must schedule an expiry check for, or None when
        nothing was banked.
        """
        allowed = [reply for reply in replies if reply[0]]
        if not allowed:
            return None
        hour, granted_tat = int(allowed[-1][5]), _text(allowed[-1][6])
        allowed.reverse()  # spent from the end: the earliest grant first
        expires = sent_at + self.seconds
        old = self.leases.get(key)
        if (
            old is not None
            and old.replies
            and old.expires > sent_at
            and old.hour == hour
            and old.tier == tier
            and old.stamp_key == stamp_key
        ):
            # A lease from an overlapping call still holds tokens: one lease for both,
            # ending when the earlier of the two would (whichever call was sent first:
            # replies may come back out of order), and refunding against the lower TAT
            # (giving back too little is safe, too much is not).
            old.replies[:0] = allowed
            old.expires = min(old.expires, expires)
            if float(granted_tat) < float(old.granted_tat):
                old.granted_tat = granted_tat
            return None
        lease = Lease(tier, stamp_key, expires, hour, granted_tat, allowed)
        self.leases[key] = lease
        return lease

    def expired(self, key: str, lease: Lease) -> int:
        """End ``lease``; returns how many of its tokens were not used (to give back)."""
        if self.leases.get(key) is lease:
            del self.leases[key]
        unused = len(lease.replies)
        lease.replies.clear()
        if unused:
            demand = self._demand.get(key)
            if demand is not None:
                demand.size //= 2
        return unused

    def drop(self, key: str) -> Lease | None:
        """Forget ``key``'s lease now (the key changed); the caller gives back its tokens."""
        self._demand.pop(key, None)
        return self.leases.pop(key, None)
