"""The dispatcher: outbox events -> jobs for the connectors that consume them.

Three short steps, so no transaction is held open while connectors think:

1. read a batch of undispatched events;
2. ask every consuming connector to ``plan`` jobs for each (reads only);
3. in one transaction, mark the events dispatched *if still undispatched*
   (``UPDATE ... WHERE dispatched_at IS NULL RETURNING id``) and insert the jobs of the events
   this dispatcher won. Two dispatchers racing on one event plan twice but insert once.

Then, after commit, the jobs due now are enqueued. If the broker is unreachable the jobs
simply stay ``queued`` in the database and the sweeper enqueues them once it is back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import events_table, jobs_table
from monopilot_integrations.core.events import Event
from monopilot_integrations.core.jobs.queue import JobQueue, QueuedJob
from monopilot_integrations.core.jobs.rows import job_row
from monopilot_integrations.core.logs.writer import LogEntry, LogWriter
from monopilot_integrations.core.plugins.registry import Registry

log = logging.getLogger(__name__)

events_t = events_table
jobs_t = jobs_table


class Dispatcher:
    def __init__(
        self,
        *,
        database: Database,
        registry: Registry,
        clock: Clock,
        connector: Callable[[str], Connector],
        queue: JobQueue,
        log_writer: LogWriter,
    ) -> None:
        self.database = database
        self.registry = registry
        self.clock = clock
        self.connector = connector
        self.queue = queue
        self.log_writer = log_writer

    async def dispatch_once(self, limit: int = 500) -> int:
        """Dispatch up to ``limit`` events; returns how many this call dispatched."""
        async with self.database.system_session() as session:
            rows = (
                await session.execute(
                    select(events_t)
                    .where(events_t.c.dispatched_at.is_(None))
                    .order_by(events_t.c.occurred_at, events_t.c.id)
                    .limit(limit)
                )
            ).all()
        if not rows:
            return 0
        now = self.clock.now()
        planned: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for row in rows:
            event = Event(
                row.id,
                row.org_id,
                row.event_type,
                dict(row.data),
                row.occurred_at,
                tuple(row.channels or ()),
            )
            planned[event.id] = await self._plan(event, now)

        due: list[QueuedJob] = []
        async with self.database.system_session() as session:
            won = (
                (
                    await session.execute(
                        update(events_t)
                        .where(events_t.c.id.in_(list(planned)), events_t.c.dispatched_at.is_(None))
                        .values(dispatched_at=now)
                        .returning(events_t.c.id)
                    )
                )
                .scalars()
                .all()
            )
            job_rows = [job for event_id in won for job in planned[event_id]]
            if won:  # one executemany, not a statement per event
                await session.execute(
                    update(events_t).where(events_t.c.id == bindparam("b_id")),
                    [
                        {"b_id": event_id, "jobs_created": len(planned[event_id])}
                        for event_id in won
                    ],
                )
            if job_rows:
                await session.execute(insert(jobs_t), job_rows)
            due = [
                QueuedJob(j["org_id"], j["id"], j["connector"])
                for j in job_rows
                if j["next_run_at"] <= now
            ]
        await self._enqueue(due)
        return len(won)

    async def _plan(self, event: Event, now: Any) -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = []
        for connector_cls in self.registry.consumers_of(event.type):
            try:
                specs = await self.connector(connector_cls.name).plan(event)
            except Exception as exc:
                # A connector that cannot plan must not block the event for the others.
                # The failure is an integration log row an admin sees, with the event id.
                log.exception("connector %s failed to plan event %s", connector_cls.name, event.id)
                self.log_writer.add(
                    LogEntry(
                        org_id=event.org_id,
                        integration_type=connector_cls.log_type(),
                        event_type=event.type,
                        direction="outbound",
                        status="error",
                        error_message=f"planning failed for event {event.id}: {exc}",
                        error_class=type(exc).__name__,
                        connector=connector_cls.name,
                    )
                )
                continue
            for spec in specs:
                row = job_row(
                    event.org_id,
                    connector_cls,
                    spec,
                    now,
                    event_id=event.id,
                    event_type=event.type,
                )
                if row["next_run_at"] <= now:
                    row["enqueued_at"] = now  # enqueued right after the commit
                jobs.append(row)
        return jobs

    async def _enqueue(self, jobs: list[QueuedJob]) -> None:
        if not jobs:
            return
        try:
            await self.queue.enqueue(jobs)
        except Exception:
            log.warning(
                "broker unreachable; %d jobs wait for the sweeper", len(jobs), exc_info=True
            )
            async with self.database.system_session() as session:
                await session.execute(
                    update(jobs_t)
                    .where(jobs_t.c.id.in_([j.job_id for j in jobs]))
                    .values(enqueued_at=None)
                )
