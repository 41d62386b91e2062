"""``POST /api/integrations/webhooks/{id}/replay`` and ``GET .../replays/{replay_id}``:
start a replay of a time range to one webhook, and follow its progress
(:mod:`..replays` says what is sent and why it is idempotent).

A replay runs as a kernel job, so the kernel's retry engine decides when it has failed for
good: a replay job that used up its retries (or failed fatally, or was skipped) is in the
dead-letter queue, and the read-back reports the replay ``failed`` with the job's dead
reason and last error. The state is read from the job rather than copied into the replay
row, so it can never disagree with the job: an admin who redrives the replay's job from
the dead-letter queue sees the replay ``running`` again, and it resumes after its last
page.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.replays import REPLAY, subject_of
from monopilot_integrations.connectors.webhooks.tables import WebhookReplay
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import jobs_table
from monopilot_integrations.core.jobs.retry import RetryPolicy
from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareTimestamp = Field(description="Events published at or after this time")
    until: AwareTimestamp | None = Field(default=None, description="...and before this (now)")
    mode: Literal["failed", "not_attempted", "all"] = Field(
        default="all",
        description="failed: dead-lettered deliveries (original delivery ids); not_attempted: "
        "events the webhook receives that never got a delivery to it (published while it "
        "was paused or before it existed); all: both",
    )
    force: bool = Field(
        default=False,
        description="With mode 'all': send events already delivered again too, as new "
        "deliveries (without it a replay never sends an (event, webhook) pair twice)",
    )

    @model_validator(mode="after")
    def _window(self) -> ReplayRequest:
        if self.until is not None and self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class ReplayOut(BaseModel):
    id: uuid.UUID
    webhook_id: uuid.UUID
    since: datetime
    until: datetime
    mode: str
    force: bool
    status: Literal["running", "finished", "failed"] = Field(
        description="running: its job is queued, running or waiting for a retry; finished: "
        "every event of the range was looked at; failed: it stopped for good, see 'error' "
        "(its job was dead-lettered, for example after using up its retries, or the "
        "webhook was deleted)"
    )
    events_total: int = Field(description="Events of the webhook's types in the range")
    events_done: int = Field(description="Events looked at so far")
    queued: int = Field(description="Deliveries created or taken out of the dead-letter queue")
    skipped: int = Field(description="Events already delivered, under way, or not received")
    error: str | None = Field(description="Why a failed replay stopped")
    created_at: datetime
    finished_at: datetime | None


def view(row: WebhookReplay, job: Any = None) -> ReplayOut:
    """The replay as the API shows it; ``job`` is its job row (``None``: there is none).

    A replay still ``running`` whose job is dead has failed: the kernel gave up on it. So
    has one whose job is gone: a job is deleted only by the purge of finished jobs past the
    dead-letter retention, and a replay whose job succeeded is ``finished`` already.
    """
    status, error, finished_at = row.status, row.error, row.finished_at
    if status == "running" and job is not None and job.status == "dead":
        status, finished_at = "failed", job.dead_at
        error = f"the replay's job was dead-lettered ({job.dead_reason})"
        if job.last_error:
            error = f"{error}: {job.last_error}"
    elif status == "running" and job is None and row.job_id is not None:
        status = "failed"
        error = "the replay's job was dead-lettered and has since been purged"
    return ReplayOut(
        id=row.id,
        webhook_id=row.webhook_id,
        since=row.since,
        until=row.until,
        mode=row.mode,
        force=row.force,
        status=status,
        events_total=row.events_total,
        events_done=row.events_done,
        queued=row.queued,
        skipped=row.skipped,
        error=error,
        created_at=row.created_at,
        finished_at=finished_at,
    )


async def replay_job(session: Any, row: WebhookReplay) -> Any:
    """The job row that carries out ``row`` (``None`` before it has one)."""
    if row.job_id is None:
        return None
    j = jobs_table
    query = select(j.c.status, j.c.dead_reason, j.c.dead_at, j.c.last_error)
    query = query.where(j.c.id == row.job_id, j.c.org_id == row.org_id)
    return (await session.execute(query)).first()


async def start_replay(request: web.Request) -> web.Response:
    from monopilot_integrations.connectors.webhooks.api.routes import webhook_id_of

    kernel, org, webhook_id = request_kernel(request), request_org(request), webhook_id_of(request)
    body = await parse_body(request, ReplayRequest)
    webhook = await WebhookService(kernel).get(org, webhook_id)
    if webhook.status != store.ACTIVE:
        raise Problem(409, "the webhook is paused: resume it first, then replay")
    now = kernel.clock.now()
    replay = WebhookReplay(
        id=uuid.uuid4(),
        org_id=org,
        webhook_id=webhook_id,
        since=body.since,
        until=body.until or now,
        mode=body.mode,
        force=body.force,
        status="running",
        events_total=0,
        events_done=0,
        queued=0,
        skipped=0,
        created_at=now,
        updated_at=now,
    )
    spec = JobSpec(
        payload={REPLAY: str(replay.id)},
        subject_id=subject_of(replay.id),
        retry_policy=RetryPolicy.EXPONENTIAL,
        max_retries=3,
    )
    async with kernel.session(org) as session:
        session.add(replay)
        await session.flush()
    (job_id,) = await kernel.jobs.create(org, "webhooks", [spec])
    async with kernel.session(org) as session:
        row = await session.get(WebhookReplay, replay.id)
        assert row is not None
        row.job_id = job_id
        out = view(row, await replay_job(session, row))
    return json_response(out, status=202)


async def get_replay(request: web.Request) -> web.Response:
    from monopilot_integrations.connectors.webhooks.api.routes import webhook_id_of

    kernel, org, webhook_id = request_kernel(request), request_org(request), webhook_id_of(request)
    try:
        replay_id = uuid.UUID(request.match_info["replay_id"])
    except ValueError:
        raise Problem(404, f"no replay {request.match_info['replay_id']!r} here") from None
    async with kernel.session(org) as session:
        row = await session.get(WebhookReplay, replay_id)
        if row is None or row.org_id != org or row.webhook_id != webhook_id:
            raise Problem(404, f"no replay {replay_id} of this webhook here")
        return json_response(view(row, await replay_job(session, row)))
