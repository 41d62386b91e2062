"""``POST /api/integrations/webhooks/{id}/replay`` and ``GET .../replays/{replay_id}``:
start a replay of a time range to one webhook, and follow its progress
(:mod:`..replays` says what is sent and why it is idempotent)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.replays import REPLAY, subject_of
from monopilot_integrations.connectors.webhooks.tables import WebhookReplay
from monopilot_integrations.core.connector import JobSpec
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
    status: Literal["running", "finished", "failed"]
    events_total: int = Field(description="Events of the webhook's types in the range")
    events_done: int = Field(description="Events looked at so far")
    queued: int = Field(description="Deliveries created or taken out of the dead-letter queue")
    skipped: int = Field(description="Events already delivered, under way, or not received")
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def view(row: WebhookReplay) -> ReplayOut:
    return ReplayOut(
        id=row.id,
        webhook_id=row.webhook_id,
        since=row.since,
        until=row.until,
        mode=row.mode,
        force=row.force,
        status=row.status,
        events_total=row.events_total,
        events_done=row.events_done,
        queued=row.queued,
        skipped=row.skipped,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


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
        out = view(row)
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
        return json_response(view(row))
