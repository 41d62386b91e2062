"""The delivery side of the API: a test send, the attempt log, and recovery.

* **test** creates a real delivery job (payload marked as a test, no retries) and runs its
  attempt at once through the job engine: signing, the SSRF guard, the HTTP client, the
  integration log. It does not count towards the webhook's failure streak and is not
  resent by ``recover``; it works on a paused webhook, to check a receiver before resuming.
* **logs** reads the webhook's rows of ``integration_logs`` (masked as stored; an event's
  data, which the rows name rather than copy, is read from the outbox and masked the same
  way), newest first, paged by the cursor (``before``, ``before_id``): many attempts share one
  timestamp under load, and a cursor on the timestamp alone would skip them.
* **recover** takes the webhook's dead-lettered deliveries of a time window out of the
  dead-letter queue with a fresh retry budget and their original delivery ids.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import and_, or_, select

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.api.models import (
    WebhookDeliveryAttempt,
    WebhookDeliveryLog,
    WebhookLogQuery,
    WebhookRecoverRequest,
    WebhookTestResult,
)
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.connector import BODY, TEST, WebhooksConnector
from monopilot_integrations.connectors.webhooks.message import event_body
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import events_table, jobs_table, logs_table
from monopilot_integrations.core.errors import NotFoundError
from monopilot_integrations.core.jobs.retry import RetryPolicy
from monopilot_integrations.core.web.problems import Problem

_FINISHED = ("succeeded", "dead", "retrying")


async def send_test(
    kernel: Any, org_id: uuid.UUID, webhook_id: uuid.UUID, event_type: str | None
) -> WebhookTestResult:
    webhook = await WebhookService(kernel).get(org_id, webhook_id)
    chosen = event_type or next((e for e in webhook.events if e != "*"), "order.created")
    kind = kernel.registry.event_types.get(chosen)
    if kind is None:
        raise Problem(
            422,
            f"unknown event type {chosen!r}",
            errors=[{"path": "/event_type", "message": "not a registered event type"}],
        )
    body = event_body(kind.name, kernel.clock.now(), str(org_id), kind.example)
    spec = JobSpec(
        payload={BODY: body, TEST: True},
        subject_id=str(webhook_id),
        max_retries=0,
        retry_policy=RetryPolicy.MANUAL,
    )
    async with kernel.session(org_id) as session:
        (job_id,) = await kernel.jobs.create(
            org_id, WebhooksConnector, [spec], session=session, event_type=kind.name
        )
    outcome = await kernel.run_job(org_id, job_id)
    if outcome.status == "skipped":  # a worker's sweep claimed it first: wait for it
        await _wait_finished(kernel, org_id, job_id)
    async with kernel.session(org_id) as session:
        log = (
            await session.execute(
                select(logs_table)
                .where(logs_table.c.org_id == org_id, logs_table.c.job_id == job_id)
                .order_by(logs_table.c.timestamp.desc())
                .limit(1)
            )
        ).first()
    if log is None:
        return WebhookTestResult(
            delivery_id=job_id,
            event_type=kind.name,
            delivered=False,
            http_status=None,
            duration_ms=None,
            error="the attempt did not finish in time; see the webhook's logs",
            error_class=None,
        )
    response = log.response_body if isinstance(log.response_body, dict) else None
    return WebhookTestResult(
        delivery_id=job_id,
        event_type=kind.name,
        delivered=log.status != "error",
        http_status=log.http_status,
        duration_ms=log.duration_ms,
        error=log.error_message,
        error_class=log.error_class,
        response_body=response.get("body") if response else None,
    )


async def _wait_finished(kernel: Any, org_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Wait (at most an attempt's timeout and a little) for another process to finish the
    attempt. Giving up is not an error: the caller answers "did not finish in time"."""
    timeout = kernel.connector(WebhooksConnector.name).options.timeout_seconds + 5
    try:
        async with asyncio.timeout(timeout):
            while True:
                row = await kernel.jobs.get(org_id, job_id)
                if row.status in _FINISHED:
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        return


async def delivery_log(
    kernel: Any, org_id: uuid.UUID, webhook_id: uuid.UUID, query: WebhookLogQuery
) -> WebhookDeliveryLog:
    await WebhookService(kernel).get(org_id, webhook_id)
    t = logs_table
    conditions = [t.c.org_id == org_id, t.c.webhook_id == webhook_id]
    if query.before is not None:
        if query.before_id is None:
            conditions.append(t.c.timestamp < query.before)
        else:  # attempts logged in the same instant are split by id, none skipped
            conditions.append(
                or_(
                    t.c.timestamp < query.before,
                    and_(t.c.timestamp == query.before, t.c.id < query.before_id),
                )
            )
    if query.status is not None:
        conditions.append(t.c.status == query.status)
    async with kernel.session(org_id) as session:
        rows = (
            await session.execute(
                select(t)
                .where(*conditions)
                .order_by(t.c.timestamp.desc(), t.c.id.desc())
                .limit(query.limit)
            )
        ).all()
    data = await _event_data(kernel, org_id, [r.request_body for r in rows])
    items = [
        WebhookDeliveryAttempt(
            id=r.id,
            timestamp=r.timestamp,
            delivery_id=r.job_id,
            event_type=r.event_type,
            status=r.status,
            http_status=r.http_status,
            retry_count=r.retry_count,
            duration_ms=r.duration_ms,
            error_message=r.error_message,
            error_class=r.error_class,
            request=_with_data(r.request_body, data),
            response=r.response_body,
        )
        for r in rows
    ]
    last = items[-1] if len(items) == query.limit else None
    return WebhookDeliveryLog(
        items=items,
        next_before=last.timestamp if last else None,
        next_before_id=last.id if last else None,
    )


async def _event_data(kernel: Any, org_id: uuid.UUID, requests: list[Any]) -> dict[str, Any]:
    """The (masked) data of the events the page's log rows name, in one query."""
    ids = set()
    for request in requests:
        body = request.get("body") if isinstance(request, dict) else None
        if isinstance(body, dict) and "data" not in body and "event_id" in body:
            try:
                ids.add(uuid.UUID(str(body["event_id"])))
            except ValueError:
                continue
    if not ids:
        return {}
    e = events_table
    async with kernel.session(org_id) as session:
        rows = await session.execute(
            select(e.c.id, e.c.data).where(e.c.org_id == org_id, e.c.id.in_(ids))
        )
        return {str(row.id): kernel.masker.mask(row.data) for row in rows}


def _with_data(request: Any, data: dict[str, Any]) -> Any:
    """A log row's request with its event's data put back into the body."""
    body = request.get("body") if isinstance(request, dict) else None
    if not isinstance(body, dict) or "data" in body or str(body.get("event_id")) not in data:
        return request
    return {**request, "body": {**body, "data": data[str(body["event_id"])]}}


async def recover(
    kernel: Any, org_id: uuid.UUID, webhook_id: uuid.UUID, window: WebhookRecoverRequest
) -> int:
    webhook = await WebhookService(kernel).get(org_id, webhook_id)
    if webhook.status != store.ACTIVE:
        raise Problem(409, "the webhook is paused: resume it first, then recover")
    until = window.until or kernel.clock.now()
    j = jobs_table
    async with kernel.session(org_id) as session:
        rows = (
            await session.execute(
                select(j.c.id, j.c.payload).where(
                    j.c.org_id == org_id,
                    j.c.connector == WebhooksConnector.name,
                    j.c.subject_id == str(webhook_id),
                    j.c.status == "dead",
                    j.c.dead_at >= window.since,
                    j.c.dead_at < until,
                )
            )
        ).all()
    recovered = 0
    for row in rows:
        if (row.payload or {}).get(TEST):
            continue
        try:
            await kernel.jobs.redrive(org_id, row.id)
        except NotFoundError:  # redriven meanwhile by someone else
            continue
        recovered += 1
    return recovered
