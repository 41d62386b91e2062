"""Per-account throttling of sign-in, with growing lockouts.

Failed sign-ins are counted per (realm, e-mail), for e-mails nobody has as well: a locked
unknown address looks exactly like a locked real one. The first ``free_failures`` failures
cost nothing; from then on each failure locks the account for ``first_lockout`` seconds,
doubled (``factor``) at every further failure up to ``max_lockout``. A successful sign-in
clears the count; so does a quiet ``forget_after``. While locked, a sign-in is refused
before any password is checked (even the right one: the attacker cannot tell).

The counters live in ``integration_login_throttle``, keyed by SHA-256 of realm and e-mail
(no list of addresses tried is kept), shared by every server process through the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import exc as sa_exc

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.web_sessions import LoginThrottleRow
from monopilot_integrations.core.web.sessions.accounts import normalise_email


@dataclass(frozen=True)
class LockoutPolicy:
    free_failures: int = 5
    first_lockout: timedelta = timedelta(minutes=1)
    factor: float = 2.0
    max_lockout: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=24)

    def lockout_after(self, failures: int) -> timedelta:
        """How long the ``failures``-th consecutive failure locks the account."""
        if failures < self.free_failures:
            return timedelta(0)
        growth = self.factor ** (failures - self.free_failures)
        return min(self.first_lockout * growth, self.max_lockout)


def account_key(realm: str, email: str) -> str:
    return hashlib.sha256(f"{realm}\0{normalise_email(email)}".encode()).hexdigest()


class LoginThrottle:
    """The lockout counters, in the database."""

    def __init__(
        self, database: Database, policy: LockoutPolicy | None = None, clock: Clock | None = None
    ) -> None:
        self.database = database
        self.policy = policy or LockoutPolicy()
        self.clock: Clock = clock or SystemClock()

    async def locked_for(self, realm: str, email: str) -> float:
        """Seconds the account stays locked (0: it may try)."""
        async with self.database.system_session() as db:
            row = await db.get(LoginThrottleRow, account_key(realm, email))
            if row is None or row.locked_until is None:
                return 0.0
            left = (row.locked_until - self.clock.now()).total_seconds()
            return max(left, 0.0)

    async def failed(self, realm: str, email: str) -> float:
        """Count a failure; returns the lockout it starts, in seconds (0: none yet)."""
        key = account_key(realm, email)
        now = self.clock.now()
        for _ in range(3):  # two processes creating the same row: the loser retries
            try:
                async with self.database.system_session() as db:
                    row = await db.get(LoginThrottleRow, key, with_for_update=True)
                    if row is None:
                        row = LoginThrottleRow(account_key=key, failures=0, last_failure_at=now)
                        db.add(row)
                    elif now - row.last_failure_at >= self.policy.forget_after:
                        row.failures = 0
                    row.failures += 1
                    row.last_failure_at = now
                    lockout = self.policy.lockout_after(row.failures)
                    row.locked_until = now + lockout if lockout else None
                    return lockout.total_seconds()
            except sa_exc.IntegrityError:
                continue
        return 0.0

    async def succeeded(self, realm: str, email: str) -> None:
        async with self.database.system_session() as db:
            await db.execute(
                delete(LoginThrottleRow).where(
                    LoginThrottleRow.account_key == account_key(realm, email)
                )
            )

    async def purge(self) -> int:
        """Forget counters that went quiet (a periodic task calls it)."""
        cutoff = self.clock.now() - self.policy.forget_after
        async with self.database.system_session() as db:
            result = await db.execute(
                delete(LoginThrottleRow).where(LoginThrottleRow.last_failure_at < cutoff)
            )
            return int(getattr(result, "rowcount", 0) or 0)
