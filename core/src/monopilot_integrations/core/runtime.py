"""The kernel's parts bound to one event loop.

asyncpg connections, aiosqlite threads and asyncio tasks belong to the loop that made
them. A process running the server loop and Dramatiq's worker loop therefore has one
``Runtime`` per loop, each with its own database engine, log writer and connector
instances, all sharing the settings, registry, clock and keyring of the
:class:`~.kernel.Kernel` that owns them.

A ``Runtime`` is also what a connector sees as its context (:class:`~.connector.ConnectorContext`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.apikeys.service import ApiKeyService
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.jobs.batch import BatchRunner
from monopilot_integrations.core.jobs.dispatcher import Dispatcher
from monopilot_integrations.core.jobs.engine import JobEngine
from monopilot_integrations.core.jobs.store import JobStore
from monopilot_integrations.core.jobs.sweeper import Sweeper
from monopilot_integrations.core.logs.writer import LogWriter
from monopilot_integrations.core.outbox import Outbox
from monopilot_integrations.core.ratelimit import (
    DegradingRateLimiter,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from monopilot_integrations.core.web.sessions.factory import lockout_policy, session_store
from monopilot_integrations.core.web.sessions.lockout import LoginThrottle
from monopilot_integrations.core.web.sessions.store import SessionStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from monopilot_integrations.core.domain.port import DomainStore
    from monopilot_integrations.core.kernel import Kernel


class Runtime:
    def __init__(self, kernel: Kernel, database: Database) -> None:
        self.kernel = kernel
        self.settings = kernel.settings
        self.registry = kernel.registry
        self.clock = kernel.clock
        self.keyring = kernel.keyring
        self.database = database
        self._connectors: dict[str, Connector] = {}
        self.log_writer = LogWriter(
            database,
            kernel.masker,
            clock=self.clock,
            batch_size=self.settings.log_batch_size,
            flush_interval=self.settings.log_flush_interval,
            body_limit=self.settings.log_body_limit,
        )

    @cached_property
    def domain(self) -> DomainStore:
        return self.registry.domain_store(self.settings, self.database)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.database, self.registry, self.clock, on_commit=self.kernel.wake)

    @cached_property
    def engine(self) -> JobEngine:
        return JobEngine(
            database=self.database,
            registry=self.registry,
            settings=self.settings,
            clock=self.clock,
            log_writer=self.log_writer,
            connector=self.connector,
        )

    @cached_property
    def batches(self) -> BatchRunner:
        """Runs the broker's batch messages on this loop (claims, attempts, finishes)."""
        return BatchRunner(self.engine, self.settings)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            database=self.database,
            registry=self.registry,
            clock=self.clock,
            connector=self.connector,
            queue=self.kernel.queue,
            log_writer=self.log_writer,
        )

    @cached_property
    def sweeper(self) -> Sweeper:
        return Sweeper(
            database=self.database,
            clock=self.clock,
            queue=self.kernel.queue,
            settings=self.settings,
            installed=lambda: self.kernel.queue.actors.keys(),
        )

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(
            database=self.database,
            clock=self.clock,
            queue=self.kernel.queue,
            connector_named=self.registry.connector,
        )

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """Redis-backed (shared by every process) when Redis is configured, degrading to
        per-process limits while Redis is away; else in memory."""
        if self.settings.redis_url:
            return DegradingRateLimiter(
                RedisRateLimiter.from_url(self.settings.redis_url, socket_connect_timeout=2)
            )
        return MemoryRateLimiter()

    @cached_property
    def web_session_store(self) -> SessionStore:
        """Server-side web sessions of every realm: Redis when configured, else the
        database (:mod:`monopilot_integrations.core.web.sessions`)."""
        return session_store(self.settings, self.database)

    @cached_property
    def login_throttle(self) -> LoginThrottle:
        """Per-account lockout counters of web sign-in."""
        return LoginThrottle(self.database, lockout_policy(self.settings), self.clock)

    @cached_property
    def api_keys(self) -> ApiKeyService:
        return ApiKeyService(self, self.rate_limiter)

    def connector(self, name: str) -> Connector:
        """The connector instance named ``name`` (one per runtime)."""
        instance = self._connectors.get(name)
        if instance is None:
            instance = self.registry.connectors[name](self)
            self._connectors[name] = instance
        return instance

    async def publish(
        self,
        org_id: uuid.UUID,
        event_type: str,
        data: Mapping[str, Any],
        *,
        session: AsyncSession | None = None,
        channels: Sequence[str] = (),
    ) -> uuid.UUID:
        return await self.outbox.publish(
            org_id, event_type, data, session=session, channels=channels
        )

    async def stop_attempts(self, grace: float) -> None:
        """Let running attempts finish for ``grace`` seconds, hand back the rest."""
        if "batches" in self.__dict__:
            await self.batches.shutdown(grace)

    async def close(self) -> None:
        await self.stop_attempts(0)
        if "engine" in self.__dict__:
            await self.engine.leases.close()  # its heartbeat task belongs to this loop
        for name, instance in self._connectors.items():
            close = getattr(instance, "close", None)  # a connector's pooled clients, if any
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.warning("closing connector %s failed", name, exc_info=True)
        if "api_keys" in self.__dict__:
            await self.api_keys.close()
        if "rate_limiter" in self.__dict__:
            await self.rate_limiter.close()
        if "web_session_store" in self.__dict__:
            await self.web_session_store.close()
        await self.log_writer.close()
        await self.database.dispose()
