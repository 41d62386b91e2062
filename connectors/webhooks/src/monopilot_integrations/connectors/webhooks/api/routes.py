"""The routes of ``/api/integrations/webhooks`` and their handlers.

Scope: ``webhook:manage`` or ``integrations:admin``. Every handler works in the caller's
organisation only; another organisation's webhook id answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from monopilot_integrations.connectors.webhooks.api import (
    catalogue,
    deliveries,
    events,
    replay_api,
    stats,
)
from monopilot_integrations.connectors.webhooks.api.models import (
    WebhookCreate,
    WebhookDeliveryLog,
    WebhookList,
    WebhookListQuery,
    WebhookLogQuery,
    WebhookOut,
    WebhookRecoverRequest,
    WebhookRecoverResult,
    WebhookRotateRequest,
    WebhookTestRequest,
    WebhookTestResult,
    WebhookUpdate,
    WebhookWithSecret,
)
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.settings import WebhookSettings
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem, ProblemDetail
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query

BASE = "/api/integrations/webhooks"
SCOPE = "webhook:manage|integrations:admin"


def _service(request: web.Request) -> WebhookService:
    return WebhookService(request_kernel(request))


def webhook_id_of(request: web.Request) -> uuid.UUID:
    """The path's webhook id; anything that is not a UUID is simply not found."""
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no webhook {request.match_info['id']!r} here") from None


async def list_webhooks(request: web.Request) -> web.Response:
    query = parse_query(request, WebhookListQuery)
    items, total = await _service(request).list(
        request_org(request), status=query.status, limit=query.limit, offset=query.offset
    )
    return json_response(
        WebhookList(items=items, total=total, limit=query.limit, offset=query.offset)
    )


async def create_webhook(request: web.Request) -> web.Response:
    body = await parse_body(request, WebhookCreate)
    return json_response(await _service(request).create(request_org(request), body), status=201)


async def get_webhook(request: web.Request) -> web.Response:
    service = _service(request)
    return json_response(
        service.view(await service.get(request_org(request), webhook_id_of(request)))
    )


async def update_webhook(request: web.Request) -> web.Response:
    webhook_id = webhook_id_of(request)
    body = await parse_body(request, WebhookUpdate)
    return json_response(await _service(request).update(request_org(request), webhook_id, body))


async def delete_webhook(request: web.Request) -> web.Response:
    await _service(request).delete(request_org(request), webhook_id_of(request))
    return web.Response(status=204)


async def pause_webhook(request: web.Request) -> web.Response:
    return json_response(
        await _service(request).pause(request_org(request), webhook_id_of(request))
    )


async def resume_webhook(request: web.Request) -> web.Response:
    return json_response(
        await _service(request).resume(request_org(request), webhook_id_of(request))
    )


async def rotate_secret(request: web.Request) -> web.Response:
    webhook_id = webhook_id_of(request)
    body = await _optional_body(request, WebhookRotateRequest)
    grace = body.grace_seconds
    if grace is None:
        grace = WebhookSettings().default_rotation_grace_seconds
    return json_response(
        await _service(request).rotate_secret(request_org(request), webhook_id, grace)
    )


async def test_webhook(request: web.Request) -> web.Response:
    webhook_id = webhook_id_of(request)
    body = await _optional_body(request, WebhookTestRequest)
    result = await deliveries.send_test(
        request_kernel(request), request_org(request), webhook_id, body.event_type
    )
    return json_response(result)


async def webhook_logs(request: web.Request) -> web.Response:
    webhook_id = webhook_id_of(request)
    query = parse_query(request, WebhookLogQuery)
    page = await deliveries.delivery_log(
        request_kernel(request), request_org(request), webhook_id, query
    )
    return json_response(page)


async def recover_webhook(request: web.Request) -> web.Response:
    webhook_id = webhook_id_of(request)
    body = await parse_body(request, WebhookRecoverRequest)
    count = await deliveries.recover(
        request_kernel(request), request_org(request), webhook_id, body
    )
    return json_response(WebhookRecoverResult(recovered=count))


async def _optional_body(request: web.Request, model: Any) -> Any:
    """A body that may be left out entirely (then the model's defaults)."""
    if not request.can_read_body:
        return model()
    return await parse_body(request, model)


def _route(method: str, path: str, handler: Any, name: str, summary: str, **options: Any) -> Route:
    return Route(
        method,
        BASE + path,
        handler,
        name="webhooks." + name,
        scope=SCOPE,
        summary=summary,
        tags=("webhooks",),
        **options,
    )


_CONFLICT = {409: ProblemDetail}

ROUTES = [
    _route(
        "GET",
        "",
        list_webhooks,
        "list",
        "List webhooks (secrets are never shown)",
        query_model=WebhookListQuery,
        response_model=WebhookList,
    ),
    _route(
        "POST",
        "",
        create_webhook,
        "create",
        "Create a webhook (the secret is shown once)",
        request_model=WebhookCreate,
        response_model=WebhookWithSecret,
        status_code=201,
        responses=_CONFLICT,
    ),
    _route("GET", "/{id}", get_webhook, "get", "Get a webhook", response_model=WebhookOut),
    _route(
        "PUT",
        "/{id}",
        update_webhook,
        "update",
        "Change a webhook (only the fields sent)",
        request_model=WebhookUpdate,
        response_model=WebhookOut,
    ),
    _route(
        "DELETE",
        "/{id}",
        delete_webhook,
        "delete",
        "Delete a webhook: nothing more is delivered to it",
        status_code=204,
    ),
    _route(
        "POST",
        "/{id}/test",
        test_webhook,
        "test",
        "Send a signed sample of an event type now and return the attempt's outcome",
        request_model=WebhookTestRequest,
        response_model=WebhookTestResult,
    ),
    _route(
        "POST", "/{id}/pause", pause_webhook, "pause", "Pause deliveries", response_model=WebhookOut
    ),
    _route(
        "POST",
        "/{id}/resume",
        resume_webhook,
        "resume",
        "Resume deliveries",
        response_model=WebhookOut,
    ),
    _route(
        "GET",
        "/{id}/logs",
        webhook_logs,
        "logs",
        "Delivery attempts, newest first (headers and bodies masked and capped)",
        query_model=WebhookLogQuery,
        response_model=WebhookDeliveryLog,
    ),
    _route(
        "POST",
        "/{id}/replay",
        replay_api.start_replay,
        "replay",
        "Re-send a time range of events to this webhook (failed, never attempted or all), "
        "as a job with progress; never the same (event, webhook) twice unless forced",
        request_model=replay_api.ReplayRequest,
        response_model=replay_api.ReplayOut,
        status_code=202,
        responses=_CONFLICT,
    ),
    _route(
        "GET",
        "/{id}/replays/{replay_id}",
        replay_api.get_replay,
        "replay_get",
        "A replay's progress",
        response_model=replay_api.ReplayOut,
    ),
    _route(
        "GET",
        "/{id}/stats",
        stats.stats_handler,
        "stats",
        "Success rate, attempts, p50/p95 latency and the last failure over 24 h and 7 days",
        response_model=stats.WebhookStats,
    ),
    _route(
        "POST",
        "/{id}/rotate-secret",
        rotate_secret,
        "rotate_secret",
        "New secret (shown once); the previous one keeps signing during the grace period",
        request_model=WebhookRotateRequest,
        response_model=WebhookWithSecret,
    ),
    _route(
        "POST",
        "/{id}/recover",
        recover_webhook,
        "recover",
        "Resend every delivery that failed (dead-lettered) in a time window",
        request_model=WebhookRecoverRequest,
        response_model=WebhookRecoverResult,
        responses=_CONFLICT,
    ),
]

ROUTES += catalogue.ROUTES + events.ROUTES
