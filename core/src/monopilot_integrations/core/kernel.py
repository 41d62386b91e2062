"""``Kernel``: the one object MonoPilot (or the server) holds.

::

    kernel = await Kernel.start(Settings())
    await kernel.publish(org_id, "workorder.completed", data, session=session)
    ...
    await kernel.close()

It loads the plugins, opens the database, builds the broker and the per-connector actors,
and, in embedded mode, runs the in-process worker and the scheduler (dispatcher, sweeper,
purges, plugin periodic tasks) inside the calling process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import dramatiq
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.jobs.engine import AttemptOutcome
from monopilot_integrations.core.jobs.heartbeats import SCHEDULER, WORKER, ProcessHeartbeat
from monopilot_integrations.core.jobs.queue import DramatiqJobQueue, build_broker, queue_name
from monopilot_integrations.core.jobs.scheduler import Scheduler
from monopilot_integrations.core.jobs.worker import EmbeddedWorker
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.ratelimit import DEFAULT_TIERS, tiers_from_config
from monopilot_integrations.core.runtime import Runtime
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.middlewares import api_key_middlewares
from monopilot_integrations.core.web.request import KERNEL
from monopilot_integrations.core.web.sessions.factory import password_hasher
from monopilot_integrations.core.web.sessions.passwords import PasswordHasher

log = logging.getLogger(__name__)

PURGE_INTERVAL = 3600.0


class Kernel:
    """The kernel, started. Use :meth:`start`; close with :meth:`close`."""

    def __init__(
        self,
        settings: Settings,
        *,
        plugins: PluginManager | None = None,
        clock: Clock | None = None,
        broker: dramatiq.Broker | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self.settings = settings
        self.plugins = plugins or PluginManager(
            allow=settings.plugins, block=settings.disable_plugins
        )
        self.plugins.load()
        self.registry = Registry(self.plugins)
        self.clock: Clock = clock or SystemClock()
        self.keyring = keyring or _keyring(settings)
        self.masker = Masker.from_log_masks(self.registry.log_masks)
        self.rate_limit_tiers = {**DEFAULT_TIERS, **tiers_from_config(settings.rate_limit_tiers)}
        self.broker = broker or build_broker(settings)
        self.queue = DramatiqJobQueue(
            self.broker,
            [
                (c.name, queue_name(settings.broker_namespace, c.name))
                for c in self.registry.connectors.values()
            ],
            self._run_batch,
            time_limit_ms=int((settings.job_attempt_timeout + settings.job_lease_seconds) * 1000),
            batch_size=settings.job_batch_size,
        )
        self.scheduler = Scheduler()
        self.worker: EmbeddedWorker | None = None
        self.heartbeat = ProcessHeartbeat(
            lambda: self.database, self.clock, interval=settings.heartbeat_interval
        )
        self._runtimes: dict[asyncio.AbstractEventLoop, Runtime] = {}
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    async def start(
        cls,
        settings: Settings | None = None,
        *,
        plugins: PluginManager | None = None,
        clock: Clock | None = None,
        broker: dramatiq.Broker | None = None,
        keyring: Keyring | None = None,
        embedded_worker: bool | None = None,
    ) -> Kernel:
        """Start the kernel; with ``embedded_worker`` (default: the setting) also the
        in-process worker and scheduler."""
        self = cls(
            settings or Settings(), plugins=plugins, clock=clock, broker=broker, keyring=keyring
        )
        try:
            await self.database.ping()
            await self.check_database_role()
        except BaseException:
            await self.close()
            raise
        run_worker = settings_flag(self.settings.embedded_worker, embedded_worker)
        if run_worker:
            self.start_worker()
            self.start_scheduler()
        return self

    async def check_database_role(self) -> None:
        """On PostgreSQL, refuse to start with roles that would make isolation silently
        wrong (:meth:`~.db.database.Database.check_roles`)."""
        await self.database.check_roles()

    # --- per-loop parts -----------------------------------------------------------------

    def runtime(self) -> Runtime:
        """The runtime of the running event loop (made on first use)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            runtime = self._runtimes.get(loop)
            if runtime is None:
                if self._closed:
                    raise RuntimeError("the integrations kernel is closed")
                database = Database.from_settings(self.settings)
                runtime = Runtime(self, database)
                self._runtimes[loop] = runtime
            return runtime

    async def close_runtime(self) -> None:
        """Close the runtime of the running loop (flushes its logs)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            runtime = self._runtimes.pop(loop, None)
        if runtime is not None:
            await runtime.close()

    @property
    def database(self) -> Database:
        return self.runtime().database

    @property
    def domain(self) -> Any:
        return self.runtime().domain

    @property
    def jobs(self) -> Any:
        return self.runtime().jobs

    def connector(self, name: str) -> Connector:
        return self.runtime().connector(name)

    # --- the library API ----------------------------------------------------------------

    async def publish(
        self,
        org_id: uuid.UUID,
        event_type: str,
        data: Mapping[str, Any],
        *,
        session: AsyncSession | None = None,
        channels: Sequence[str] = (),
    ) -> uuid.UUID:
        """Publish a domain event through the transactional outbox; returns its id."""
        return await self.runtime().publish(
            org_id, event_type, data, session=session, channels=channels
        )

    def install(self, app: web.Application) -> None:
        """Guard MonoPilot's own aiohttp app with API keys, rate limits, scopes and the
        integration log (mark handlers with ``require_scope``/``public`` from
        :mod:`monopilot_integrations.core.web.scopes`). Call before the app starts."""
        app[KERNEL] = self
        app.middlewares.extend(api_key_middlewares())

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        """argon2id hashing of web sign-in passwords (one per process: it is thread-safe
        and verifies off the event loop)."""
        return password_hasher(self.settings)

    @property
    def api_keys(self) -> Any:
        """The API key store of the running loop (create, suspend, revoke, ...)."""
        return self.runtime().api_keys.store

    def session(self, org_id: uuid.UUID) -> Any:
        """A transaction for one organisation (``async with integrations.session(org):``)."""
        return self.runtime().database.session(org_id)

    # --- driving the engine by hand (tests, CLI, tools) ---------------------------------

    async def dispatch_pending(self) -> int:
        total = 0
        while count := await self.runtime().dispatcher.dispatch_once():
            total += count
        return total

    async def sweep(self) -> int:
        return await self.runtime().sweeper.sweep_once()

    async def run_job(self, org_id: uuid.UUID, job_id: uuid.UUID) -> AttemptOutcome:
        return await self.runtime().engine.run(org_id, job_id)

    async def _run_batch(
        self, org_id: uuid.UUID, job_ids: list[uuid.UUID], connector: str | None = None
    ) -> list[AttemptOutcome]:
        return await self.runtime().batches.run(org_id, job_ids, connector=connector)

    async def stop_attempts(self, grace: float) -> None:
        """On the worker loop: let running attempts finish for ``grace`` seconds, then hand
        the rest back (called by the worker when it stops)."""
        with self._lock:
            runtime = self._runtimes.get(asyncio.get_running_loop())
        if runtime is not None:
            await runtime.stop_attempts(grace)

    # --- embedded worker and scheduler --------------------------------------------------

    def start_worker(self) -> None:
        if self.worker is None:
            self.worker = EmbeddedWorker(self, threads=self.settings.worker_threads)
            self.worker.start()
            self.heartbeat.start(WORKER)

    def start_scheduler(self) -> None:
        runtime = self.runtime()
        periodic: list[tuple[str, float, Any]] = [
            ("sweep", self.settings.sweep_interval, runtime.sweeper.sweep_once),
            ("purge", PURGE_INTERVAL, runtime.sweeper.purge_once),
            ("purge-logs", PURGE_INTERVAL, runtime.sweeper.purge_logs_once),
            ("purge-web-sessions", PURGE_INTERVAL, self._purge_web_sign_in),
        ]
        for task in self.registry.periodic_tasks.values():
            periodic.append((task.name, task.interval, _bind(task.run, self)))
        self.scheduler.start(
            dispatch=runtime.dispatcher.dispatch_once,
            dispatch_interval=self.settings.dispatch_interval,
            periodic=periodic,
        )
        self.heartbeat.start(SCHEDULER)

    async def _purge_web_sign_in(self) -> None:
        """Forget web sessions past their lifetime and lockout counters gone quiet."""
        runtime = self.runtime()
        await runtime.web_session_store.purge(self.clock.now())
        await runtime.login_throttle.purge()

    def wake(self) -> None:
        """Tell the dispatcher that an event was committed."""
        self.scheduler.wake()

    async def close(self) -> None:
        """Stop the scheduler and worker (in-flight jobs finish or are handed back), flush
        the logs and close the databases."""
        if not self._closed:
            await self.heartbeat.stop()
        await self.scheduler.stop()
        if self.worker is not None:
            await asyncio.to_thread(self.worker.stop)
            self.worker = None
        self._closed = True
        await self.close_runtime()
        with self._lock:
            leftovers = list(self._runtimes.values())
            self._runtimes.clear()
        for runtime in leftovers:  # runtimes of loops that are gone: flush what we can
            try:
                await runtime.log_writer.flush()
            except Exception:
                log.warning("could not flush a worker loop's logs", exc_info=True)


def settings_flag(setting: bool, override: bool | None) -> bool:
    return setting if override is None else override


def _bind(run: Any, kernel: Kernel) -> Any:
    async def call() -> object:
        return await run(kernel)

    return call


def _keyring(settings: Settings) -> Keyring:
    return Keyring.from_settings(settings)
