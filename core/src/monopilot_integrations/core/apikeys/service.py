"""API keys as one service per event loop: store + verifier + stamps + last-used batching."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import TYPE_CHECKING

from monopilot_integrations.core.apikeys.store import ApiKeyStore
from monopilot_integrations.core.apikeys.throttle import AuthThrottle, attempt_tier
from monopilot_integrations.core.apikeys.verifier import (
    ApiKeyVerifier,
    AuthenticationError,
    VerifiedKey,
)
from monopilot_integrations.core.logs.writer import LogEntry

if TYPE_CHECKING:
    from monopilot_integrations.core.ratelimit import RateLimiter
    from monopilot_integrations.core.runtime import Runtime

log = logging.getLogger(__name__)


class ApiKeyService:
    def __init__(self, runtime: Runtime, limiter: RateLimiter) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.limiter = limiter
        self.store = ApiKeyStore(
            runtime.database,
            runtime.clock,
            known_scopes=lambda: [str(s) for s in runtime.registry.scopes],
            tiers=lambda: list(runtime.kernel.rate_limit_tiers),
            rounds=settings.api_key_bcrypt_rounds,
            environment=settings.api_key_environment,
            on_change=self._changed,
        )
        self.verifier = ApiKeyVerifier(
            runtime.database, runtime.clock, cache_seconds=settings.api_key_cache_seconds
        )
        self.throttle = AuthThrottle(limiter, attempt_tier(settings.api_key_attempts_per_address))
        self._flusher: asyncio.Task[None] | None = None
        self._refresh_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._refreshed: dict[str, str] = {}

    async def authenticate(self, presented: str | None, client: str | None = None) -> VerifiedKey:
        """Verify ``presented`` (not answered from the cache). With the ``client`` address,
        the attempt spends one of that address's tokens first (raises
        :class:`~.throttle.AuthenticationThrottled` when they are spent), and a wrong
        secret counts against the key (see :mod:`.throttle` for the policy)."""
        if presented and client is not None:  # no key, no work: nothing to throttle
            await self.throttle.admit(client)
        try:
            key = await self.verifier.verify(presented)
        except AuthenticationError as exc:
            wrong = exc.reason == "invalid" and exc.api_key_id is not None
            if wrong and await self.throttle.wrong_secret(str(exc.api_key_id)):
                self._warn_failed_attempts(exc, client)
            raise
        self._start_flusher()
        return key

    def authenticate_cached(self, presented: str | None) -> VerifiedKey | None:
        """:meth:`authenticate` answered from the verifier's cache, without a coroutine
        (the API path's usual case); ``None``: call :meth:`authenticate`."""
        key = self.verifier.verify_cached(presented)
        if key is not None:
            self._start_flusher()
        return key

    def _start_flusher(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_loop(), name="api-key-last-used"
            )

    async def confirm_stamp(self, key: VerifiedKey, shared_stamp: str | None) -> bool:
        """Is the cached verification of ``key`` still current? (see the verifier)"""
        if shared_stamp == key.stamp:
            return True
        if shared_stamp is None:  # nobody published a stamp yet (or Redis lost it)
            # One database read per key, however many requests are waiting on it.
            lock = self._refresh_locks.get(key.key_id)
            if lock is None:
                lock = self._refresh_locks[key.key_id] = asyncio.Lock()
            async with lock:
                current = self._refreshed.get(key.key_id)
                if current is None:
                    current = await self.verifier.refresh(key)
                    # NX: a stamp another process published since our read is newer.
                    await self.limiter.set_stamp(key.key_id, current, only_if_absent=True)
                    self._refreshed[key.key_id] = current
                    asyncio.get_running_loop().call_later(
                        1.0, self._refreshed.pop, key.key_id, None
                    )
            if current == key.stamp:
                return True
        self.verifier.invalidate(key.key_id)
        return False

    async def republish_stamp(self, key: VerifiedKey) -> None:
        """Publish the stamp of a key just verified from the database, so a shared stamp
        that went stale (a lost update, a restored Redis) heals on the next request instead
        of forcing bcrypt on every one."""
        await self.limiter.set_stamp(key.key_id, key.stamp)

    async def flush_last_used(self) -> None:
        used = self.verifier.take_last_used()
        if used:
            await self.store.touch_last_used(used)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        await self.flush_last_used()

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.runtime.settings.api_key_last_used_flush)
            try:
                await self.flush_last_used()
            except Exception:
                log.warning("writing last_used_at failed", exc_info=True)

    async def _changed(self, key_id: str, stamp: str) -> None:
        self.verifier.invalidate(key_id)
        self._refreshed.pop(key_id, None)
        await self.limiter.set_stamp(key_id, stamp)

    def _warn_failed_attempts(self, exc: AuthenticationError, client: str | None) -> None:
        """Tell the key's organisation that its key id draws wrong secrets (the key stays
        active: a wrong secret is no evidence that the real one leaked)."""
        tier = self.throttle.tier
        message = (
            f"API key {exc.api_key_id} received more than {tier.burst} wrong secrets (then "
            f"{tier.per_minute}/min); last from {client or 'an unknown address'}. The key "
            "stays active; regenerate or suspend it if its secret may have leaked"
        )
        log.warning(message)
        assert exc.org_id is not None  # a wrong secret was checked against its row
        self.runtime.log_writer.add(
            LogEntry(
                org_id=exc.org_id,
                integration_type="api",
                event_type="api_key.failed_attempts",
                direction="inbound",
                status="warning",
                http_status=401,
                error_message=message,
                error_class="WrongSecrets",
                api_key_id=exc.api_key_id,
            )
        )
