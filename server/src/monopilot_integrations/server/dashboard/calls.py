"""Calling a JSON API route's own handler on behalf of the signed-in user.

The one road from the dashboard to the management API: the handler is the very function
the JSON route serves, the permission check is the very :class:`Access` check the API
middleware applies to an API key (the scopes the route declares against the user's), and
the organisation is the user's. The dashboard has no queries or transitions of its own
for what the API already does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from monopilot_integrations.core.logs.writer import LogEntry
from monopilot_integrations.core.web.error_pages import JSON_CALL
from monopilot_integrations.core.web.middlewares import with_problem_details
from monopilot_integrations.core.web.panels import DashboardUser
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import ORG_ID, request_kernel
from monopilot_integrations.core.web.scopes import Access, access_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_access(access: Access, user: DashboardUser) -> None:
    """403, naming the missing scope, when ``user`` lacks what the route needs."""
    missing = access.missing(user.scopes)
    if missing:
        raise Problem(
            403, f"your account lacks the scope {', '.join(missing)}", missing_scopes=missing
        )


async def call(
    request: web.Request, handler: Handler, user: DashboardUser, access: Access | None = None
) -> web.StreamResponse:
    """``handler(request)`` as ``user``: access checked, organisation set; errors become
    problem details exactly as on the JSON API. Changes are written to the integration log
    (``integration_type = 'dashboard'``) with the user, as an audit trail."""
    started = time.perf_counter()
    request[ORG_ID] = user.org_id

    async def guarded(req: web.Request) -> web.StreamResponse:
        check_access(access or access_of(handler), user)
        return await handler(req)

    request[JSON_CALL] = True  # a page's call still gets problem details back
    try:
        response = await with_problem_details(request, guarded)
    finally:
        request[JSON_CALL] = False
    if request.method in UNSAFE:
        _audit(request, user, response.status, started)
    return response


async def call_json(
    request: web.Request, handler: Handler, user: DashboardUser, access: Access | None = None
) -> tuple[int, Any]:
    """:func:`call` for a page that shows the answer: (status, decoded JSON body)."""
    response = await call(request, handler, user, access)
    body = response.text if isinstance(response, web.Response) else None
    return response.status, json.loads(body) if body else None


def _audit(request: web.Request, user: DashboardUser, status: int, started: float) -> None:
    resource = request.match_info.route.resource
    path = resource.canonical if resource is not None else request.path
    path = path.removeprefix("/dashboard")  # the API route's own path, as API keys log it
    status_word = "success" if status < 400 else ("warning" if status < 500 else "error")
    request_kernel(request).runtime().log_writer.add(
        LogEntry(
            org_id=user.org_id,
            integration_type="dashboard",
            event_type=f"{request.method} {path}"[:100],
            direction="inbound",
            status=status_word,
            http_status=status,
            external_system=f"user:{user.user_id}"[:100],
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
    )
