"""Reading events back: what was published, and what became of it at each webhook.

``GET /api/integrations/events`` pages through the organisation's events, newest first,
filtered by type, channel and time range (the cursor is ``before`` + ``before_id``, as for the
delivery log). ``GET /api/integrations/events/{id}`` shows one event with the request body
webhooks receive and, for every webhook that received it or would receive it now, the
delivery's status, its attempts (from the integration log) and its delivery id. A webhook
subscribed now that has no delivery of the event shows ``not_attempted``: it was paused,
or created after the event, and a replay (:mod:`.replays`) sends it.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, and_, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from monopilot_integrations.connectors.webhooks import store
from monopilot_integrations.connectors.webhooks.api.event_models import (
    AttemptOut,
    EndpointDelivery,
    EventList,
    EventListQuery,
    EventOut,
    EventSummary,
)
from monopilot_integrations.connectors.webhooks.message import event_body
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.db.tables import events_table, jobs_table, logs_table
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_query

SCOPE = "webhook:manage|integrations:admin"
CONNECTOR = "webhooks"


async def list_events(request: web.Request) -> web.Response:
    query = parse_query(request, EventListQuery)
    kernel, org = request_kernel(request), request_org(request)
    e = events_table
    conditions: list[Any] = [e.c.org_id == org]
    if query.type is not None:
        conditions.append(e.c.event_type == query.type)
    if query.channel is not None:
        conditions.append(labelled(query.channel, postgres=kernel.database.is_postgres))
    if query.since is not None:
        conditions.append(e.c.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(e.c.occurred_at < query.until)
    if query.before is not None:
        if query.before_id is None:
            conditions.append(e.c.occurred_at < query.before)
        else:
            conditions.append(
                or_(
                    e.c.occurred_at < query.before,
                    and_(e.c.occurred_at == query.before, e.c.id < query.before_id),
                )
            )
    async with kernel.session(org) as session:
        rows = (
            await session.execute(
                select(
                    e.c.id,
                    e.c.event_type,
                    e.c.occurred_at,
                    e.c.channels,
                    e.c.dispatched_at,
                    e.c.jobs_created,
                )
                .where(*conditions)
                .order_by(e.c.occurred_at.desc(), e.c.id.desc())
                .limit(query.limit)
            )
        ).all()
    items = [
        EventSummary(
            id=r.id,
            event_type=r.event_type,
            occurred_at=r.occurred_at,
            channels=list(r.channels or []),
            dispatched_at=r.dispatched_at,
            deliveries=r.jobs_created,
        )
        for r in rows
    ]
    last = items[-1] if len(items) == query.limit else None
    return json_response(
        EventList(
            items=items,
            next_before=last.occurred_at if last else None,
            next_before_id=last.id if last else None,
        )
    )


def labelled(channel: str, *, postgres: bool) -> ColumnElement[bool]:
    """Events whose ``channels`` (a JSON array) hold ``channel``.

    PostgreSQL stores the array as ``jsonb`` and answers containment (``@>``); SQLite
    stores JSON text, whose elements ``json_each`` lists.
    """
    column = events_table.c.channels
    if postgres:
        return type_coerce(column, JSONB).contains([channel])
    element = func.json_each(column).table_valued("value")
    return select(element.c.value).where(element.c.value == channel).exists()


def _event_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no event {request.match_info['id']!r} here") from None


async def get_event(request: web.Request) -> web.Response:
    kernel, org, event_id = request_kernel(request), request_org(request), _event_id(request)
    e, j, log = events_table, jobs_table, logs_table
    async with kernel.session(org) as session:
        event = (
            await session.execute(select(e).where(e.c.org_id == org, e.c.id == event_id))
        ).first()
        if event is None:
            raise Problem(404, f"no event {event_id} here")
        jobs = (
            await session.execute(
                select(j)
                .where(j.c.org_id == org, j.c.event_id == event_id, j.c.connector == CONNECTOR)
                .order_by(j.c.created_at, j.c.id)
            )
        ).all()
        job_ids = [row.id for row in jobs]
        attempts = (
            (
                await session.execute(
                    select(log)
                    .where(log.c.org_id == org, log.c.job_id.in_(job_ids))
                    .order_by(log.c.timestamp, log.c.id)
                )
            ).all()
            if job_ids
            else []
        )
        hooks = (
            await session.execute(
                select(Webhook).where(Webhook.org_id == org, Webhook.deleted_at.is_(None))
            )
        ).scalars()
        names = {hook.id: hook for hook in hooks}
        deleted_names = await _names(session, org, [row.subject_id for row in jobs])
    by_job: dict[uuid.UUID, list[AttemptOut]] = {}
    for row in attempts:
        by_job.setdefault(row.job_id, []).append(
            AttemptOut(
                timestamp=row.timestamp,
                status=row.status,
                http_status=row.http_status,
                duration_ms=row.duration_ms,
                error_message=row.error_message,
            )
        )
    deliveries: list[EndpointDelivery] = []
    seen: set[uuid.UUID] = set()
    for row in jobs:
        try:
            webhook_id = uuid.UUID(str(row.subject_id))
        except ValueError:
            continue
        seen.add(webhook_id)
        hook = names.get(webhook_id)
        waiting = row.status in ("queued", "retrying")
        deliveries.append(
            EndpointDelivery(
                webhook_id=webhook_id,
                webhook_name=hook.name if hook else deleted_names.get(webhook_id),
                delivery_id=row.id,
                status=row.status,
                attempts=row.attempts,
                next_attempt_at=row.next_run_at if waiting else None,
                last_error=row.last_error,
                attempt_log=by_job.get(row.id, []),
            )
        )
    channels = list(event.channels or [])
    for hook in names.values():
        if hook.id not in seen and store.receives(hook, event.event_type, channels, event.data):
            deliveries.append(
                EndpointDelivery(
                    webhook_id=hook.id,
                    webhook_name=hook.name,
                    delivery_id=None,
                    status="not_attempted",
                    attempts=0,
                    next_attempt_at=None,
                    last_error=None,
                    attempt_log=[],
                )
            )
    body = event_body(event.event_type, event.occurred_at, str(org), event.data)
    return json_response(
        EventOut(
            id=event.id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            channels=channels,
            dispatched_at=event.dispatched_at,
            payload=body,
            deliveries=deliveries,
        )
    )


async def _names(session: Any, org: uuid.UUID, subjects: list[str | None]) -> dict[uuid.UUID, str]:
    """Names of deleted webhooks that still have deliveries of the event."""
    ids = []
    for subject in subjects:
        try:
            ids.append(uuid.UUID(str(subject)))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = await session.execute(
        select(Webhook.id, Webhook.name).where(
            Webhook.org_id == org, Webhook.id.in_(ids), Webhook.deleted_at.is_not(None)
        )
    )
    return {row.id: row.name for row in rows}


ROUTES = [
    Route(
        "GET",
        "/api/integrations/events",
        list_events,
        name="webhooks.events_list",
        scope=SCOPE,
        summary="Published events, newest first (filters: type, channel, time range)",
        tags=("events",),
        query_model=EventListQuery,
        response_model=EventList,
    ),
    Route(
        "GET",
        "/api/integrations/events/{id}",
        get_event,
        name="webhooks.events_get",
        scope=SCOPE,
        summary="One event: its payload and each subscribed webhook's delivery and attempts",
        tags=("events",),
        response_model=EventOut,
    ),
]
