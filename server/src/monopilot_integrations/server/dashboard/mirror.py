"""The JSON API again, under ``/dashboard/api/...``, for the signed-in user.

Every non-public ``/api/...`` route the server mounts is mounted here a second time with
the same handler. What differs is only who the caller is: the dashboard's user (session
cookie, CSRF token on every change) instead of an API key. The scope check is the route's
own (:func:`~monopilot_integrations.server.app.route_access`), the organisation is the
user's, bad input is the same problem-details answer. The dashboard's buttons and forms
post here, so a panel can do nothing the management API would refuse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.scopes import public
from monopilot_integrations.server.dashboard.calls import UNSAFE, call
from monopilot_integrations.server.dashboard.csrf import check_request_csrf
from monopilot_integrations.server.dashboard.identity import DASHBOARD_USER

PREFIX = "/api/"


def mirrored_routes(routes: list[Route]) -> list[Route]:
    """The routes to mirror: the JSON API's, without the public ones (health, OpenAPI)."""
    return [r for r in routes if r.path.startswith(PREFIX) and not r.public]


def mirror(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler serving ``route`` for the dashboard's user."""
    from monopilot_integrations.server.app import route_access

    access = route_access(route)
    handler: Any = route.handler

    @public  # authenticated here, by the dashboard's session, not by an API key
    async def as_dashboard_user(request: web.Request) -> web.StreamResponse:
        user = request.get(DASHBOARD_USER)
        if user is None:
            raise Problem(401, "sign in to the dashboard first", kind="dashboard-sign-in")
        if request.method in UNSAFE:
            await check_request_csrf(request)
        return await call(request, handler, user, access)

    as_dashboard_user.__name__ = f"dashboard_{getattr(handler, '__name__', 'route')}"
    return as_dashboard_user
