"""Who is looking at the dashboard, and what they may do.

Two sources, in this order: a plugin implementing ``provide_dashboard_user`` (MonoPilot
handing in its own signed-in user), then the dashboard's own sign-in. The user's scopes are
then checked against each JSON API route exactly as an API key's scopes are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from monopilot_integrations.core.web.panels import DashboardUser
from monopilot_integrations.core.web.request import request_kernel

ADMIN_SCOPE = "integrations:admin"

#: The signed-in user of this request (set by the dashboard's middleware).
DASHBOARD_USER: web.RequestKey[DashboardUser] = web.RequestKey(
    "monopilot.dashboard_user", DashboardUser
)

#: The dashboard's own sign-in: ``await resolver(request)`` answers the user of a session.
OwnSignIn = Callable[[web.Request], Awaitable[DashboardUser | None]]
OWN_SIGN_IN: web.AppKey[Any] = web.AppKey("monopilot.dashboard_sign_in", object)


def admin_scopes(kernel: Any) -> frozenset[str]:
    """What an organisation admin holds: ``integrations:admin`` and every registered scope
    (an admin manages whatever an API key of the organisation could do)."""
    return frozenset({ADMIN_SCOPE, *kernel.registry.scopes})


async def resolve_user(request: web.Request) -> DashboardUser | None:
    """The signed-in user, from MonoPilot's hook first, then the dashboard's sign-in."""
    user = request_kernel(request).registry.dashboard_user(request)
    if user is not None:
        return user
    own: OwnSignIn | None = request.config_dict.get(OWN_SIGN_IN)
    return await own(request) if own is not None else None


def current_user(request: web.Request) -> DashboardUser:
    user = request.get(DASHBOARD_USER)
    if not isinstance(user, DashboardUser):
        raise web.HTTPUnauthorized(reason="sign in to the dashboard first")
    return user
