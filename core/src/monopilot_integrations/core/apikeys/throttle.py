"""Throttling of failed API key authentications, on the kernel's rate limiter.

The policy (``docs/server.md``, "When authentication fails"):

* **A key is never suspended because of wrong secrets.** Its key id is public and its
  checksum computable, so anyone could otherwise lock any key out with a few requests;
  and a wrong secret says nothing about the real one (143 random bits cannot be guessed).
  Suspension is an administrator's decision, on evidence that the real secret leaked.
* **Per client address.** Every authentication the process cannot answer from its cache
  of verified keys (a malformed, unknown, revoked or wrong key, and a valid key's first
  request) spends one token of the address's budget (``api_key_attempts_per_address``).
  With the budget spent, the address gets 429 with ``Retry-After`` before any database
  read or bcrypt. A valid key is cached once verified, so its owner spends about one token
  per process and hour, and requests without any key spend nothing (they cost nothing).
* **Per key id.** Wrong secrets presented for one key id spend the key id's budget (the
  same tier). When it runs out the key's organisation gets a warning row in its
  integration log (``api_key.failed_attempts``), at most once per window and process,
  but the key keeps working: its owner's right secret is still verified and accepted,
  while every wrong one stays a 401 (and keeps spending its sender's address budget).

Both budgets live in the limiter the server uses for rate limits (in memory, or Redis and
shared by every process), under keys of their own (``auth:addr:<address>``,
``auth:key:<key id>``).
"""

from __future__ import annotations

import time
from typing import Any

from monopilot_integrations.core.errors import IntegrationError
from monopilot_integrations.core.ratelimit import RateLimiter, Tier

#: The tier's name (tier names are short: the rate-limit column's width).
TIER_NAME = "auth_attempts"


class AuthenticationThrottled(IntegrationError):
    """The client address spent its budget of unverified attempts: answer 429."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(int(retry_after + 0.999), 1)
        super().__init__(
            f"too many failed API key attempts from this address; retry in {self.retry_after}s"
        )


def attempt_tier(spec: str) -> Tier:
    """``"per_minute/per_hour/burst"`` (``MONOPILOT_API_KEY_ATTEMPTS_PER_ADDRESS``)."""
    parts = [part.strip() for part in spec.split("/")]
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(
            f"API key attempt budget {spec!r}: expected per_minute/per_hour/burst, e.g. 30/600/60"
        )
    per_minute, per_hour, burst = (int(part) for part in parts)
    return Tier(TIER_NAME, per_minute=per_minute, per_hour=per_hour, burst=burst)


class AuthThrottle:
    """The two budgets of one process's API key service."""

    def __init__(self, limiter: RateLimiter, tier: Tier) -> None:
        self.limiter = limiter
        self.tier = tier
        self._warned: dict[str, float] = {}  # key id -> when its warning was written

    async def admit(self, address: str) -> None:
        """Spend one of ``address``'s tokens, or raise :class:`AuthenticationThrottled`."""
        result = await self.limiter.hit(f"auth:addr:{address}", self.tier)
        if not result.allowed:
            raise AuthenticationThrottled(result.retry_after)

    async def wrong_secret(self, key_id: str) -> bool:
        """Count a wrong secret for ``key_id``; True when the key's organisation is to be
        warned now (its budget is spent and it was not warned within the hour)."""
        result = await self.limiter.hit(f"auth:key:{key_id}", self.tier)
        if result.allowed:
            return False
        now = time.monotonic()
        warned = self._warned.get(key_id)
        if warned is not None and now - warned < 3600:
            return False
        if len(self._warned) >= 10_000:  # keys under attack at once; kept bounded
            self._warned.clear()
        self._warned[key_id] = now
        return True


def client_address(request: Any, trusted_proxy_hops: int = 0) -> str:
    """The address the attempt is charged to: the TCP peer, or behind ``trusted_proxy_hops``
    reverse proxies (``MONOPILOT_TRUSTED_PROXY_HOPS``) the entry of ``X-Forwarded-For``
    that the outermost trusted proxy appended (entries further left are the client's own
    claim and could be forged to dodge the budget)."""
    peer = str(request.remote or "unknown")
    if trusted_proxy_hops <= 0:
        return peer
    forwarded = [
        part.strip()
        for header in request.headers.getall("X-Forwarded-For", ())
        for part in header.split(",")
        if part.strip()
    ]
    if len(forwarded) < trusted_proxy_hops:
        return peer
    return str(forwarded[-trusted_proxy_hops])[:64]
