"""Creating jobs directly, and the admin's levers on the retry and dead-letter queues.

Every function takes the organisation and works inside its session, so an admin of one
organisation can never see, retry or redrive another's jobs (a foreign id is "not found").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.connector import Connector, JobSpec
from monopilot_integrations.core.db.database import Database, session_org
from monopilot_integrations.core.db.tables import jobs_table, retry_table
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.core.jobs.engine import DEAD, QUEUED, RETRYING
from monopilot_integrations.core.jobs.queue import JobQueue, QueuedJob
from monopilot_integrations.core.jobs.rows import job_row

jobs_t = jobs_table
retry_t = retry_table


class JobStore:
    def __init__(
        self,
        *,
        database: Database,
        clock: Clock,
        queue: JobQueue,
        connector_named: Callable[[str], type[Connector]],
    ) -> None:
        self.database = database
        self.clock = clock
        self.queue = queue
        self.connector_named = connector_named

    async def create(
        self,
        org_id: uuid.UUID,
        connector: type[Connector] | str,
        specs: Sequence[JobSpec],
        *,
        session: AsyncSession | None = None,
        event_type: str | None = None,
    ) -> list[uuid.UUID]:
        """Create jobs outside the event flow (an inbound file, an import, a manual send).

        ``connector`` is the connector class or its registered name (a connector's own
        modules name it, so they need not import the module that defines it). With
        ``session`` the jobs commit with the caller's transaction, and are picked up by the
        sweeper; without, they are enqueued at once.
        """
        if isinstance(connector, str):
            connector = self.connector_named(connector)  # UnknownNameError lists the installed
        now = self.clock.now()
        rows: list[dict[str, Any]] = []
        for spec in specs:
            rows.append(job_row(org_id, connector, spec, now, event_type=event_type))
        if not rows:
            return []
        if session is not None:
            if session_org(session) != org_id:
                raise ValueError("the session belongs to another organisation")
            await session.execute(jobs_t.insert(), rows)
            return [r["id"] for r in rows]
        async with self.database.session(org_id) as own:
            await own.execute(jobs_t.insert(), rows)
        due = [QueuedJob(org_id, r["id"], r["connector"]) for r in rows if r["next_run_at"] <= now]
        if due:
            try:
                await self.queue.enqueue(due)
            except Exception:  # noqa: S110 - broker down: the sweeper enqueues them later
                pass
            else:  # a message is on its way: the sweeper leaves them alone for a while
                await self._mark_enqueued(org_id, [j.job_id for j in due], now)
        return [r["id"] for r in rows]

    async def get(self, org_id: uuid.UUID, job_id: uuid.UUID) -> Any:
        async with self.database.session(org_id) as session:
            row = (
                await session.execute(
                    select(jobs_t).where(jobs_t.c.id == job_id, jobs_t.c.org_id == org_id)
                )
            ).first()
        if row is None:
            raise NotFoundError(f"job {job_id} not found")
        return row

    async def retry_now(self, org_id: uuid.UUID, job_id: uuid.UUID) -> None:
        """Run a job waiting for its next retry now, instead of at ``next_run_at``."""
        await self._transition(org_id, job_id, from_statuses=(RETRYING, QUEUED), reset=False)

    async def skip(self, org_id: uuid.UUID, job_id: uuid.UUID) -> None:
        """Give up on a waiting job: it goes to the dead-letter queue (reason ``skipped``)."""
        now = self.clock.now()
        async with self.database.session(org_id) as session:
            result = await session.execute(
                update(jobs_t)
                .where(
                    jobs_t.c.id == job_id,
                    jobs_t.c.org_id == org_id,
                    jobs_t.c.status.in_((QUEUED, RETRYING)),
                )
                .values(
                    status=DEAD,
                    dead_at=now,
                    dead_reason="skipped",
                    finished_at=now,
                    enqueued_at=None,
                    updated_at=now,
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"no waiting job {job_id}")
            await session.execute(
                update(retry_t)
                .where(retry_t.c.job_id == job_id, retry_t.c.org_id == org_id)
                .values(status="failed", dead_reason="skipped", next_retry_at=None, updated_at=now)
            )

    async def redrive(self, org_id: uuid.UUID, job_id: uuid.UUID) -> None:
        """Take a dead job out of the dead-letter queue with a fresh retry budget."""
        await self._transition(org_id, job_id, from_statuses=(DEAD,), reset=True)

    async def redrive_window(
        self,
        org_id: uuid.UUID,
        *,
        connector: str | None = None,
        since: datetime,
        until: datetime,
    ) -> int:
        """Redrive every dead job of the organisation (optionally of one connector) that
        died in ``[since, until)``. Returns how many."""
        if until <= since:
            raise ValidationError("'until' must be after 'since'")
        conditions = [
            jobs_t.c.org_id == org_id,
            jobs_t.c.status == DEAD,
            jobs_t.c.dead_at >= since,
            jobs_t.c.dead_at < until,
        ]
        if connector is not None:
            conditions.append(jobs_t.c.connector == connector)
        async with self.database.session(org_id) as session:
            ids = (await session.execute(select(jobs_t.c.id).where(*conditions))).scalars().all()
        for job_id in ids:
            await self._transition(org_id, job_id, from_statuses=(DEAD,), reset=True)
        return len(ids)

    async def _transition(
        self,
        org_id: uuid.UUID,
        job_id: uuid.UUID,
        *,
        from_statuses: tuple[str, ...],
        reset: bool,
    ) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {
            "status": QUEUED,
            "next_run_at": now,
            "enqueued_at": now,
            "updated_at": now,
        }
        if reset:
            values.update(retries=0, dead_at=None, dead_reason=None, finished_at=None)
        async with self.database.session(org_id) as session:
            row = (
                await session.execute(
                    update(jobs_t)
                    .where(
                        jobs_t.c.id == job_id,
                        jobs_t.c.org_id == org_id,
                        jobs_t.c.status.in_(from_statuses),
                    )
                    .values(**values)
                    .returning(jobs_t.c.connector)
                )
            ).first()
            if row is None:
                raise NotFoundError(f"no job {job_id} in a state that allows this")
            await session.execute(
                update(retry_t)
                .where(retry_t.c.job_id == job_id, retry_t.c.org_id == org_id)
                .values(
                    status="pending",
                    next_retry_at=now,
                    dead_reason=None,
                    updated_at=now,
                    **({"retry_count": 0} if reset else {}),
                )
            )
        try:
            await self.queue.enqueue([QueuedJob(org_id, job_id, row.connector)])
        except Exception:  # broker down: the next sweep picks it up
            await self._mark_enqueued(org_id, [job_id], None)

    async def _mark_enqueued(
        self, org_id: uuid.UUID, job_ids: list[uuid.UUID], when: datetime | None
    ) -> None:
        async with self.database.session(org_id) as session:
            await session.execute(
                update(jobs_t)
                .where(jobs_t.c.org_id == org_id, jobs_t.c.id.in_(job_ids))
                .values(enqueued_at=when)
            )
