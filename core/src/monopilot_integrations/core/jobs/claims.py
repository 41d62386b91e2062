"""Claiming jobs: the conditional ``UPDATE ... RETURNING`` that starts attempts.

A broker message only says "these jobs of organisation X may be due". The claim takes the
ones that really are (``queued``/``retrying`` and due, or ``running`` with an expired lease)
in one statement, adds one to their ``attempts`` and gives them a lease. A duplicate
message, a job of another organisation, one not due yet or one another worker holds simply
does not match: it is a no-op for that job, whatever else the message carries.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.jobs.outcome import QUEUED, RETRYING, RUNNING
from monopilot_integrations.core.tables import jobs_table, retry_table

jobs_t = jobs_table
retry_t = retry_table

#: What a claim returns: the columns a :class:`~.model.Job` is made of. The payload comes
#: back as its JSON text (:class:`PayloadParser` parses each distinct text once). Rows are
#: read by position (``engine._job_from_row`` unpacks them in this order; ``_ID`` and
#: ``_ATTEMPTS`` below): a SQLAlchemy row's columns by name cost ~0.6 us each.
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
_POSITION = {column.name: index for index, column in enumerate(CLAIMED)}
_ID, _ATTEMPTS = _POSITION["id"], _POSITION["attempts"]


class PayloadParser:
    """Parses job payloads (JSON text), each distinct text once.

    A connector that fans one event out (a webhook per subscriber) gives all those jobs
    the same payload; a claim of a hundred of them parsed the same kilobyte a hundred
    times. Each job still gets a dict of its own; values nested inside it are shared
    with the other jobs of the claim that carry the same text, so handlers treat
    payloads as read-only (they are the job's input, not scratch space).
    """

    def __init__(self) -> None:
        self._parsed: dict[str, dict[str, Any]] = {}

    def __call__(self, text: str | dict[str, Any] | None) -> dict[str, Any]:
        if text is None:
            return {}
        if not isinstance(text, str):  # a driver that parsed it already
            return dict(text)
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = json.loads(text)
            if not isinstance(parsed, dict):
                parsed = {}
            if len(self._parsed) >= 256:
                self._parsed.clear()
            self._parsed[text] = parsed
        return dict(parsed)


class WriteGate:
    """The transactions one event loop's job engine writes in.

    On SQLite they take turns with every other transaction of the process on that file
    (:mod:`monopilot_integrations.core.db.sqlite_writer`), so none polls for the lock.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sqlite = database.dialect == "sqlite"

    def same_org(self, column: Any, org_id: uuid.UUID) -> ColumnElement[bool]:
        """``column = org_id``, written so that SQLite looks rows up by their ids.

        Without statistics SQLite's planner prefers an index on ``org_id`` over a list of
        primary keys, and then reads every row of the organisation to find fifty. Wrapped
        in ``likely()`` the condition is only checked on the rows found by id.
        """
        condition: ColumnElement[bool] = column == org_id
        if self.sqlite:
            return func.likely(condition)
        return condition

    @asynccontextmanager
    async def session(self, org_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        async with self.database.session(org_id) as session:
            yield session


async def claim(
    gate: WriteGate,
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
    async with gate.session(org_id) as session:
        result = await session.execute(
            update(jobs_t)
            .where(jobs_t.c.id.in_(list(job_ids)), gate.same_org(jobs_t.c.org_id, org_id), runnable)
            .values(
                status=RUNNING,
                attempts=jobs_t.c.attempts + 1,
                locked_until=now + timedelta(seconds=lease_seconds),
                updated_at=now,
            )
            .returning(*CLAIMED)
        )
        rows = list(result.all())
        # Only a job that ran before can have a retry queue row (first attempts skip this).
        retried = [row[_ID] for row in rows if row[_ATTEMPTS] > 1]
        if retried:
            await session.execute(
                update(retry_t)
                .where(retry_t.c.job_id.in_(retried), gate.same_org(retry_t.c.org_id, org_id))
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

    def __init__(self, gate: WriteGate, clock: Clock, *, lease_seconds: float) -> None:
        self.gate = gate
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
                self.gate, self.clock, org_id, wanted, lease_seconds=self.lease_seconds
            )
        except Exception as exc:
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        claimed = {row[_ID]: row for row in rows}
        for ids, future in items:
            mine = [claimed.pop(job_id) for job_id in ids if job_id in claimed]
            if not future.done():  # (a batch that gave up waiting: its leases expire)
                future.set_result(mine)
