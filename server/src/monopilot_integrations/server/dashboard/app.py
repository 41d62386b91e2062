"""The dashboard as an aiohttp sub-application mounted at ``/dashboard``.

Its handlers are marked public for the server's API-key middleware (which runs for a
sub-application's requests too): the dashboard authenticates its users itself, in
:func:`user_middleware`, and every page and mirrored API route needs a signed-in user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from monopilot_integrations.core.web.error_pages import web_page
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.scopes import public
from monopilot_integrations.server.dashboard import pages
from monopilot_integrations.server.dashboard.identity import DASHBOARD_USER, resolve_user
from monopilot_integrations.server.dashboard.mirror import mirror, mirrored_routes
from monopilot_integrations.server.dashboard.render import PREFIX

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Paths that need no signed-in user (relative to the prefix).
OPEN_PATHS = ("/login", "/static/")

#: Nothing from elsewhere: scripts, styles and images come from this server only.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@web.middleware
async def user_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the signed-in user; send the anonymous to the sign-in page (pages) or answer
    401 (the mirrored API)."""
    relative = request.path[len(PREFIX) :]
    if not relative.startswith(OPEN_PATHS):
        user = await resolve_user(request)
        if user is None:
            if relative.startswith("/api/"):
                raise Problem(401, "sign in to the dashboard first", kind="dashboard-sign-in")
            raise web.HTTPSeeOther(f"{PREFIX}/login")
        request[DASHBOARD_USER] = user
    response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response


def _static(name: str, content_type: str) -> Handler:
    body = (
        resources.files("monopilot_integrations.server.dashboard")
        .joinpath("static", name)
        .read_bytes()
    )

    @web_page
    @public
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, content_type=content_type)

    return serve


def _page(handler: Handler) -> Handler:
    """A page: signed in by the dashboard's session, refused with an HTML page."""
    return web_page(public(handler))


def build_dashboard(kernel: Any) -> web.Application:
    """The sub-application: pages, the mirrored JSON API, static files, sign-in."""
    app = web.Application(middlewares=[user_middleware])
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("monopilot_integrations.server.dashboard", "templates"),
        autoescape=True,
    )
    env.filters["pct"] = lambda v: "-" if v is None else f"{v * 100:.1f}%"
    env.filters["ms"] = lambda v: "-" if v is None else f"{v:.0f} ms"
    env.filters["when"] = _when
    routes = list(kernel.registry.routes.values())
    app[pages.API_ROUTES] = {r.name: r for r in routes}
    r = app.router
    r.add_get("/", _page(pages.overview), name="dashboard.overview")
    r.add_get("/logs", _page(pages.logs), name="dashboard.logs")
    r.add_get("/logs/{id}", _page(pages.log_detail), name="dashboard.log")
    r.add_get("/api-keys", _page(pages.api_keys), name="dashboard.api_keys")
    r.add_get("/retries", _page(pages.retries), name="dashboard.retries")
    r.add_get("/dead-letters", _page(pages.dead_letters), name="dashboard.dead_letters")
    r.add_get("/panels/{name}", _page(pages.panel), name="dashboard.panel")
    r.add_get("/static/dashboard.js", _static("dashboard.js", "text/javascript"))
    r.add_get("/static/dashboard.css", _static("dashboard.css", "text/css"))
    for route in mirrored_routes(routes):
        r.add_route(route.method, route.path, mirror(route))
    from monopilot_integrations.server.dashboard import signin

    signin.install(app, kernel)
    return app


def _when(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text.replace("T", " ")[:19] + " UTC" if text else "-"
