"""``GET /api/integrations/webhooks/{id}/stats``: how a webhook's deliveries went over the
last 24 hours and 7 days, from the integration log (every attempt is a row there).

Per window: attempts, successful and failed attempts, the success rate, the deliveries
they belong to, the p50 and p95 of the attempts' durations and the last failure. Counts
are one grouped query per window and each percentile one ``ORDER BY ... OFFSET`` query, so
the cost does not grow with what the database sends back, only with what it scans (the
organisation's log rows of the window, by ``idx_int_logs_org_time``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response

WINDOWS = (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)))


class LastFailure(BaseModel):
    timestamp: datetime
    http_status: int | None
    error_message: str | None


class WindowStats(BaseModel):
    since: datetime
    attempts: int
    succeeded: int = Field(description="Attempts the receiver accepted (2xx)")
    failed: int
    success_rate: float | None = Field(description="succeeded / attempts; null: no attempts")
    deliveries: int = Field(description="Distinct deliveries (delivery ids) attempted")
    p50_ms: int | None = Field(description="Median attempt duration")
    p95_ms: int | None
    last_failure: LastFailure | None


class WebhookStats(BaseModel):
    webhook_id: uuid.UUID
    windows: dict[str, WindowStats] = Field(description="'24h' and '7d'")


async def _window(
    session: Any, org: uuid.UUID, webhook_id: uuid.UUID, since: datetime
) -> WindowStats:
    t = logs_table
    where = (t.c.org_id == org, t.c.webhook_id == webhook_id, t.c.timestamp >= since)
    counts = (
        await session.execute(select(t.c.status, func.count()).where(*where).group_by(t.c.status))
    ).all()
    by_status = {row[0]: int(row[1]) for row in counts}
    attempts = sum(by_status.values())
    failed = by_status.get("error", 0)
    succeeded = attempts - failed
    deliveries = await session.scalar(select(func.count(func.distinct(t.c.job_id))).where(*where))
    timed = await session.scalar(select(func.count()).where(*where, t.c.duration_ms.is_not(None)))

    async def percentile(share: float) -> int | None:
        if not timed:
            return None
        offset = min(int(timed) - 1, int(share * int(timed)))
        value = await session.scalar(
            select(t.c.duration_ms)
            .where(*where, t.c.duration_ms.is_not(None))
            .order_by(t.c.duration_ms)
            .limit(1)
            .offset(offset)
        )
        return int(value) if value is not None else None

    last = (
        await session.execute(
            select(t.c.timestamp, t.c.http_status, t.c.error_message)
            .where(*where, t.c.status == "error")
            .order_by(t.c.timestamp.desc())
            .limit(1)
        )
    ).first()
    return WindowStats(
        since=since,
        attempts=attempts,
        succeeded=succeeded,
        failed=failed,
        success_rate=round(succeeded / attempts, 4) if attempts else None,
        deliveries=int(deliveries or 0),
        p50_ms=await percentile(0.50),
        p95_ms=await percentile(0.95),
        last_failure=LastFailure(
            timestamp=last.timestamp, http_status=last.http_status, error_message=last.error_message
        )
        if last
        else None,
    )


async def webhook_stats(kernel: Any, org: uuid.UUID, webhook_id: uuid.UUID) -> WebhookStats:
    await WebhookService(kernel).get(org, webhook_id)  # 404 for another organisation's
    now = kernel.clock.now()
    async with kernel.session(org) as session:
        windows = {
            name: await _window(session, org, webhook_id, now - span) for name, span in WINDOWS
        }
    return WebhookStats(webhook_id=webhook_id, windows=windows)


async def stats_handler(request: web.Request) -> web.Response:
    from monopilot_integrations.connectors.webhooks.api.routes import webhook_id_of

    kernel, org = request_kernel(request), request_org(request)
    return json_response(await webhook_stats(kernel, org, webhook_id_of(request)))
