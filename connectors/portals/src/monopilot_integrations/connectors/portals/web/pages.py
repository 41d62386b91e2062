"""What every page handler shares: the signed-in user or a redirect to sign in, and HTML
answers for what the JSON API answers with problem details (404, 403, 422)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiohttp import web

from monopilot_integrations.connectors.portals import auth
from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.connectors.portals.web.render import render
from monopilot_integrations.core.errors import NotFoundError
from monopilot_integrations.core.web.problems import Problem

PageHandler = Callable[[web.Request, auth.PortalUser], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def context(portal: Portal, user: auth.PortalUser | None, **values: Any) -> dict[str, Any]:
    return {"portal": portal, "user": user, "csrf_field": auth.CSRF_FIELD, **values}


def signed_in_page(portal: Portal) -> Callable[[PageHandler], Handler]:
    """The handler runs with the signed-in user; without one the browser is sent to the
    sign-in page. A record that is not the user's is the 404 page."""

    def wrap(handler: PageHandler) -> Handler:
        @wraps(handler)
        async def page(request: web.Request) -> web.StreamResponse:
            user = await auth.current_user(request, portal)
            if user is None:
                raise web.HTTPSeeOther(f"{portal.page_base}/login?expired=1")
            try:
                return await handler(request, user)
            except NotFoundError:
                return render(
                    "not_found.html",
                    context(portal, user, title="Not found"),
                    status=404,
                )
            except Problem as problem:
                if problem.status_code >= 500:
                    raise
                return render(
                    "refused.html",
                    context(portal, user, title="Refused", message=problem.detail),
                    status=problem.status_code,
                )

        return page

    return wrap
