"""Process heartbeats: workers and schedulers say they are alive, readiness checks it.

A server whose database and broker answer is still useless when no worker consumes the
queues or no scheduler dispatches the outbox and sweeps: events pile up and nothing is
delivered. So each process that runs a worker or a scheduler writes one row per role in
``integration_process_heartbeats`` every ``heartbeat_interval`` seconds (and deletes it on
a clean stop); ``/readyz`` and ``/metrics`` count the rows beaten within three intervals.
The embedded mode writes them too (its in-process worker and scheduler count).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import heartbeats_table

log = logging.getLogger(__name__)

hb_t = heartbeats_table

#: The roles a process can beat for.
WORKER, SCHEDULER = "worker", "scheduler"
#: A heartbeat older than this many intervals is a dead process.
STALE_AFTER_INTERVALS = 3


class ProcessHeartbeat:
    """This process's heartbeat, for the roles it has started."""

    def __init__(self, database: Callable[[], Database], clock: Clock, *, interval: float) -> None:
        self.database = database
        self.clock = clock
        self.interval = interval
        self.roles: set[str] = set()
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started_at = clock.now()
        self._task: asyncio.Task[None] | None = None

    def row_id(self, role: str) -> str:
        return f"{role}:{self.instance}"

    def start(self, role: str) -> None:
        """Beat for ``role`` from now on (on the running loop)."""
        self.roles.add(role)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # started outside a loop: this process counts as itself only
            log.warning("no event loop: the %s heartbeat is not written", role)
            return
        if self._task is None:
            self._task = loop.create_task(self._run(), name="process-heartbeat")

    async def beat_once(self) -> None:
        now = self.clock.now()
        async with self.database().system_session() as session:
            for role in sorted(self.roles):
                row_id = self.row_id(role)
                moved = await session.execute(
                    update(hb_t).where(hb_t.c.id == row_id).values(beat_at=now)
                )
                if not moved.rowcount:  # type: ignore[attr-defined]
                    await session.execute(
                        hb_t.insert().values(
                            id=row_id,
                            kind=role,
                            hostname=socket.gethostname()[:255],
                            pid=os.getpid(),
                            started_at=self.started_at,
                            beat_at=now,
                        )
                    )

    async def stop(self) -> None:
        """Stop beating and remove this process's rows (a clean stop is seen at once)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if not self.roles:
            return
        try:
            async with self.database().system_session() as session:
                await session.execute(
                    delete(hb_t).where(hb_t.c.id.in_([self.row_id(r) for r in self.roles]))
                )
        except Exception:  # the rows go stale on their own
            log.warning("could not remove this process's heartbeat rows", exc_info=True)
        self.roles.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self.beat_once()
            except Exception:
                log.warning("writing the process heartbeat failed", exc_info=True)
            await asyncio.sleep(self.interval)


async def live_processes(database: Database, now: datetime, interval: float) -> dict[str, int]:
    """How many processes of each role beat within :data:`STALE_AFTER_INTERVALS`."""
    fresh = now - timedelta(seconds=interval * STALE_AFTER_INTERVALS)
    async with database.system_session() as session:
        rows = (
            await session.execute(
                select(hb_t.c.kind, func.count())
                .where(hb_t.c.beat_at >= fresh)
                .group_by(hb_t.c.kind)
            )
        ).all()
    counts = {WORKER: 0, SCHEDULER: 0}
    counts.update({kind: int(count) for kind, count in rows})
    return counts
