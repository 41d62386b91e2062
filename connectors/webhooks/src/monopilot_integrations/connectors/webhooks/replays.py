"""Replay: send a time range of events to one webhook again, as a job with progress.

A replay names a webhook, a range of publication times and what to send:

* ``failed``: the events whose delivery to the webhook is in the dead-letter queue; they
  are redriven, so the receiver sees the original delivery ids again;
* ``not_attempted``: the events the webhook receives (type, channels, filter, as it is now)
  that never got a delivery to it: published while it was paused, or before it existed;
* ``all``: both, and no more: an event already delivered, or whose delivery is still
  under way, is skipped.

So a replay is idempotent per (event, webhook): running it twice sends nothing the second
time that the first already sent or queued. ``force`` sends delivered events again too
(each as a new delivery with a new id; receivers deduplicating on the id see it as new).

The work runs as a job of the webhooks connector (payload ``{"replay": id}``), in pages of
:data:`PAGE` events, each page one transaction that creates or redrives its deliveries and
advances the replay's counters and its cursor, so ``GET .../replays/{id}`` shows the
progress and a crash resumes after the last page committed (the deliveries, the counters
and the cursor commit together).
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.message import event_body
from monopilot_integrations.connectors.webhooks.tables import Webhook, WebhookReplay
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import events_table, jobs_table
from monopilot_integrations.core.errors import FatalError
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.queue import QueuedJob
from monopilot_integrations.core.jobs.retry import RetryPolicy
from monopilot_integrations.core.jobs.rows import job_row

#: ``job.payload`` key of a replay job.
REPLAY = "replay"
MODES = ("failed", "not_attempted", "all")
PAGE = 200
_UNDER_WAY = ("queued", "running", "retrying")


def subject_of(replay_id: uuid.UUID) -> str:
    """The replay job's ``subject_id`` (not a webhook id: recover and stats ignore it)."""
    return f"replay:{replay_id}"


async def run(runtime: Any, job: Job) -> None:
    """Carry out (or resume) the replay a job names."""
    try:
        replay_id = uuid.UUID(str(job.payload.get(REPLAY)))
    except ValueError:
        raise FatalError(f"job {job.id} names no replay") from None
    org = job.org_id
    async with runtime.database.session(org) as session:
        replay = await session.get(WebhookReplay, replay_id)
        webhook = await store.load(session, org, replay.webhook_id) if replay else None
        if replay is None or replay.org_id != org:
            raise FatalError(f"replay {replay_id} does not exist")
        if webhook is None:
            await _finish(session, replay, runtime.clock.now(), "the webhook was deleted")
            return
        if replay.status == "finished":
            return
        e = events_table
        window = [
            e.c.org_id == org,
            e.c.occurred_at >= replay.since,
            e.c.occurred_at < replay.until,
        ]
        if "*" not in (webhook.events or []):
            window.append(e.c.event_type.in_(list(webhook.events or [])))
        replay.events_total = int(
            await session.scalar(select(func.count()).select_from(e).where(*window)) or 0
        )
    cursor: tuple[datetime, uuid.UUID] | None = None
    if replay.cursor_at is not None and replay.cursor_id is not None:
        cursor = (replay.cursor_at, replay.cursor_id)  # resumed: after the last page done
    while True:
        async with runtime.database.session(org) as session:
            conditions = list(window)
            if cursor is not None:
                conditions.append(
                    or_(
                        e.c.occurred_at > cursor[0],
                        and_(e.c.occurred_at == cursor[0], e.c.id > cursor[1]),
                    )
                )
            events = (
                await session.execute(
                    select(e.c.id, e.c.event_type, e.c.occurred_at, e.c.data, e.c.channels)
                    .where(*conditions)
                    .order_by(e.c.occurred_at, e.c.id)
                    .limit(PAGE)
                )
            ).all()
            if not events:
                break
            cursor = (events[-1].occurred_at, events[-1].id)
            due, redrive = await _page(session, runtime.clock.now(), replay, webhook, events)
            await session.execute(
                update(WebhookReplay)
                .where(WebhookReplay.id == replay.id, WebhookReplay.org_id == org)
                .values(
                    events_total=replay.events_total,
                    events_done=WebhookReplay.events_done + len(events),
                    queued=WebhookReplay.queued + len(due) + len(redrive),
                    skipped=WebhookReplay.skipped + len(events) - len(due) - len(redrive),
                    cursor_at=cursor[0],
                    cursor_id=cursor[1],
                    updated_at=runtime.clock.now(),
                )
            )
        await _send(runtime, org, due, redrive)
    async with runtime.database.session(org) as session:
        finished = await session.get(WebhookReplay, replay.id)
        if finished is not None:
            await _finish(session, finished, runtime.clock.now(), None)


async def _page(
    session: Any, now: datetime, replay: WebhookReplay, webhook: Webhook, events: list[Any]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Create this page's new deliveries in ``session``; returns (new job ids, dead job
    ids to redrive)."""
    j = jobs_table
    existing = await session.execute(
        select(j.c.id, j.c.event_id, j.c.status, j.c.payload).where(
            j.c.org_id == replay.org_id,
            j.c.connector == "webhooks",
            j.c.subject_id == str(webhook.id),
            j.c.event_id.in_([ev.id for ev in events]),
        )
    )
    jobs: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in existing:
        if not (row.payload or {}).get("test"):
            jobs[row.event_id].append(row)
    from monopilot_integrations.connectors.webhooks.connector import BODY, WebhooksConnector

    rows: list[dict[str, Any]] = []
    redrive: list[uuid.UUID] = []
    for ev in events:
        mine = jobs.get(ev.id, [])
        statuses = {row.status for row in mine}
        if not mine:
            if replay.mode == "failed":
                continue
            if not store.receives(webhook, ev.event_type, list(ev.channels or []), ev.data):
                continue
        elif statuses & set(_UNDER_WAY):
            continue  # a delivery is under way: it is not sent twice
        elif "succeeded" in statuses:
            if not (replay.force and replay.mode == "all"):
                continue
        else:  # every delivery of it is dead
            if replay.mode == "not_attempted":
                continue
            redrive.append(mine[-1].id)
            continue
        spec = JobSpec(
            payload={BODY: event_body(ev.event_type, ev.occurred_at, str(replay.org_id), ev.data)},
            subject_id=str(webhook.id),
            retry_policy=RetryPolicy(webhook.retry_policy),
            max_retries=webhook.max_retries,
        )
        rows.append(
            job_row(
                replay.org_id,
                WebhooksConnector,
                spec,
                now,
                event_id=ev.id,
                event_type=ev.event_type,
            )
        )
    if rows:
        await session.execute(jobs_table.insert(), rows)
    return [row["id"] for row in rows], redrive


async def _send(
    runtime: Any, org: uuid.UUID, due: list[uuid.UUID], redrive: list[uuid.UUID]
) -> None:
    """Enqueue the new deliveries (the sweeper does it if the broker is away) and take
    the dead ones out of the dead-letter queue (their original delivery ids)."""
    if due:
        # A broker that is down: the sweeper enqueues them later.
        with contextlib.suppress(Exception):
            await runtime.kernel.queue.enqueue(
                [QueuedJob(org, job_id, "webhooks") for job_id in due]
            )
    for job_id in redrive:
        try:
            await runtime.jobs.redrive(org, job_id)
        except LookupError:  # redriven meanwhile by someone else
            continue


async def _finish(session: Any, replay: WebhookReplay, now: datetime, error: str | None) -> None:
    replay.status = "failed" if error else "finished"
    replay.error = error
    replay.finished_at = replay.updated_at = now
