"""The sweeper: the database is the source of truth, the broker only the fast path.

Every ``sweep_interval`` it hands to the broker

* jobs due to run (a retry whose time has come, a delayed first attempt) that no message
  is known to be carrying, or whose message went out more than ``requeue_after`` seconds ago
  and was never consumed (lost with an in-memory broker, a restarted Redis);
* jobs still ``running`` whose lease expired: their worker died mid-attempt.

A job handed out twice is harmless: the attempt starts with a conditional claim.

It also purges dead letters and succeeded jobs older than the retention (30 days by
default), and dispatched outbox events no job refers to any more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import events_table, jobs_table, logs_table, retry_table
from monopilot_integrations.core.jobs.engine import DEAD, QUEUED, RETRYING, RUNNING, SUCCEEDED
from monopilot_integrations.core.jobs.queue import JobQueue, QueuedJob
from monopilot_integrations.core.settings import Settings

log = logging.getLogger(__name__)

jobs_t = jobs_table
events_t = events_table


class Sweeper:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        queue: JobQueue,
        settings: Settings,
        installed: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.queue = queue
        self.settings = settings
        #: Connector names this process can run; jobs of others are dead-lettered, not
        #: re-enqueued forever (a connector uninstalled while its jobs waited).
        self.installed = installed

    async def sweep_once(self, limit: int = 1000) -> int:
        """Enqueue due and abandoned jobs; returns how many were handed to the broker."""
        now = self.clock.now()
        stale = now - timedelta(seconds=self.settings.requeue_after)
        due = or_(
            and_(
                jobs_t.c.status.in_((QUEUED, RETRYING)),
                jobs_t.c.next_run_at <= now,
                or_(jobs_t.c.enqueued_at.is_(None), jobs_t.c.enqueued_at < stale),
            ),
            and_(
                jobs_t.c.status == RUNNING,
                jobs_t.c.locked_until < now,
                or_(jobs_t.c.enqueued_at.is_(None), jobs_t.c.enqueued_at < stale),
            ),
        )
        async with self.database.system_session() as session:
            # The rows are locked as they are read, skipping any that another transaction
            # holds (a worker claiming or finishing them, a lease renewal): this
            # transaction then never waits on a row lock, so it cannot be one side of a
            # deadlock, and a skipped row is picked up by a later sweep if still due.
            rows = (
                await session.execute(
                    select(jobs_t.c.id, jobs_t.c.org_id, jobs_t.c.connector)
                    .where(due)
                    .order_by(jobs_t.c.next_run_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            if self.installed is not None:
                known = self.installed()
                orphans = [r.id for r in rows if r.connector not in known]
                if orphans:
                    await session.execute(
                        update(jobs_t)
                        .where(jobs_t.c.id.in_(orphans))
                        .values(
                            status=DEAD,
                            dead_at=now,
                            dead_reason="fatal",
                            finished_at=now,
                            locked_until=None,
                            updated_at=now,
                            last_error="its connector is not installed",
                        )
                    )
                    log.warning("%d jobs of uninstalled connectors dead-lettered", len(orphans))
                    rows = [r for r in rows if r.connector in known]
                if not rows:
                    return 0
            await session.execute(
                update(jobs_t).where(jobs_t.c.id.in_([r.id for r in rows])).values(enqueued_at=now)
            )
        jobs = [QueuedJob(r.org_id, r.id, r.connector) for r in rows]
        try:
            await self.queue.enqueue(jobs)
        except Exception:
            log.warning("broker unreachable; %d due jobs wait", len(jobs), exc_info=True)
            async with self.database.system_session() as session:
                await session.execute(
                    update(jobs_t)
                    .where(jobs_t.c.id.in_([j.job_id for j in jobs]))
                    .values(enqueued_at=None)
                )
            return 0
        return len(jobs)

    async def purge_logs_once(self, batch: int = 10_000) -> int:
        """Delete integration log rows older than ``log_retention_days`` (in batches, so a
        large backlog never holds one long transaction)."""
        cutoff = self.clock.now() - timedelta(days=self.settings.log_retention_days)
        total = 0
        while True:
            async with self.database.system_session() as session:
                ids = (
                    (
                        await session.execute(
                            select(logs_table.c.id)
                            .where(logs_table.c.timestamp < cutoff)
                            .limit(batch)
                        )
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    return total
                await session.execute(
                    update(retry_table).where(retry_table.c.log_id.in_(ids)).values(log_id=None)
                )
                await session.execute(delete(logs_table).where(logs_table.c.id.in_(ids)))
            total += len(ids)

    async def purge_once(self) -> tuple[int, int]:
        """Delete finished jobs (dead letters included) and their events past the retention."""
        cutoff = self.clock.now() - timedelta(days=self.settings.dead_letter_retention_days)
        async with self.database.system_session() as session:
            dead = await session.execute(
                delete(jobs_t).where(
                    jobs_t.c.status.in_((DEAD, SUCCEEDED)), jobs_t.c.finished_at < cutoff
                )
            )
            events = await session.execute(
                delete(events_t).where(
                    events_t.c.dispatched_at.is_not(None),
                    events_t.c.dispatched_at < cutoff,
                    ~select(jobs_t.c.id).where(jobs_t.c.event_id == events_t.c.id).exists(),
                )
            )
        return int(dead.rowcount or 0), int(events.rowcount or 0)  # type: ignore[attr-defined]
