"""Claiming jobs: the conditional ``UPDATE ... RETURNING`` that starts attempts.

A broker message only says "these jobs of organisation X may be due". The claim takes the
ones that really are (``queued``/``retrying`` and due, or ``running`` with an expired lease)
in one statement, adds one to their ``attempts`` and gives them a lease. A duplicate
message, a job of another organisation, one not due yet or one another worker holds simply
does not match: it is a no-op for that job, whatever else the message carries.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, or_, update

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.tables import jobs_table, retry_table
from monopilot_integrations.core.jobs.org_scope import OrgScope
from monopilot_integrations.core.jobs.outcome import QUEUED, RETRYING, RUNNING

jobs_t = jobs_table
retry_t = retry_table

#: What a claim returns: the columns a :class:`~.model.Job` is made of. The payload comes
#: back as its JSON text, parsed once per job (:func:`~.engine.job_from_row`).
CLAIMED = (
    jobs_t.c.id,
    jobs_t.c.org_id,
    jobs_t.c.connector,
    jobs_t.c.kind,
    cast(jobs_t.c.payload, Text).label("payload"),
    jobs_t.c.event_id,
    jobs_t.c.event_type,
    jobs_t.c.subject_id,
    jobs_t.c.attempts,
    jobs_t.c.retries,
    jobs_t.c.max_retries,
    jobs_t.c.retry_policy,
    jobs_t.c.created_at,
)


async def claim(
    scope: OrgScope,
    clock: Clock,
    org_id: uuid.UUID,
    job_ids: Sequence[uuid.UUID],
    *,
    lease_seconds: float,
) -> list[Any]:
    """Claim whichever of ``job_ids`` are runnable now; returns their updated rows."""
    if not job_ids:
        return []
    now = clock.now()
    runnable = or_(
        and_(jobs_t.c.status.in_((QUEUED, RETRYING)), jobs_t.c.next_run_at <= now),
        and_(jobs_t.c.status == RUNNING, jobs_t.c.locked_until < now),
    )
    async with scope.session(org_id) as session:
        result = await session.execute(
            update(jobs_t)
            .where(
                jobs_t.c.id.in_(list(job_ids)), scope.same_org(jobs_t.c.org_id, org_id), runnable
            )
            .values(
                status=RUNNING,
                attempts=jobs_t.c.attempts + 1,
                locked_until=now + timedelta(seconds=lease_seconds),
                # The message is consumed: once the lease runs out (a dead worker) the
                # sweeper hands the job out again at once, not requeue_after later.
                enqueued_at=None,
                updated_at=now,
            )
            .returning(*CLAIMED)
        )
        rows = list(result.all())
        # Only a job that ran before can have a retry queue row (first attempts skip this).
        retried = [row.id for row in rows if row.attempts > 1]
        if retried:
            await session.execute(
                update(retry_t)
                .where(retry_t.c.job_id.in_(retried), scope.same_org(retry_t.c.org_id, org_id))
                .values(status="in_progress", updated_at=now)
            )
    return rows


class Claimer:
    """Merges the claims of batches arriving together into one statement per organisation.

    Every claim is a write transaction, and on one busy event loop each of its round trips
    waits behind the attempts running there. While one claim runs, the batches that arrive
    queue up here and are then claimed together: many batches, one ``UPDATE``. A job named
    by two of them (a duplicate message) is given to one only.
    """

    def __init__(self, scope: OrgScope, clock: Clock, *, lease_seconds: float) -> None:
        self.scope = scope
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.max_ids = 500
        self._pending: list[tuple[uuid.UUID, list[uuid.UUID], asyncio.Future[list[Any]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def claim(self, org_id: uuid.UUID, job_ids: Sequence[uuid.UUID]) -> list[Any]:
        """The rows of whichever of ``job_ids`` this batch claimed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._pending.append((org_id, list(job_ids), future))
        if self._task is None:
            self._task = loop.create_task(self._run(), name="job-claimer")
        return await future

    async def _run(self) -> None:
        try:
            while self._pending:
                taken, count = 0, 0
                while taken < len(self._pending) and count < self.max_ids:
                    count += len(self._pending[taken][1])
                    taken += 1
                requests, self._pending = self._pending[:taken], self._pending[taken:]
                by_org: dict[uuid.UUID, list[tuple[list[uuid.UUID], asyncio.Future[list[Any]]]]]
                by_org = {}
                for org_id, ids, future in requests:
                    by_org.setdefault(org_id, []).append((ids, future))
                for org_id, items in by_org.items():
                    await self._claim_together(org_id, items)
        finally:
            self._task = None

    async def _claim_together(
        self, org_id: uuid.UUID, items: list[tuple[list[uuid.UUID], asyncio.Future[list[Any]]]]
    ) -> None:
        wanted = list(dict.fromkeys(job_id for ids, _ in items for job_id in ids))
        try:
            rows = await claim(
                self.scope, self.clock, org_id, wanted, lease_seconds=self.lease_seconds
            )
        except Exception as exc:
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        claimed = {row.id: row for row in rows}
        for ids, future in items:
            mine = [claimed.pop(job_id) for job_id in ids if job_id in claimed]
            if not future.done():  # (a batch that gave up waiting: its leases expire)
                future.set_result(mine)
