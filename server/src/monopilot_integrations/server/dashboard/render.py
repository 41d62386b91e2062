"""Rendering a page: the template with what every page needs (prefix, CSRF token)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from monopilot_integrations.server.dashboard.csrf import session_csrf_token

PREFIX = "/dashboard"


def csrf_token(request: web.Request) -> str:
    """The value the page's script sends in ``X-CSRF-Token``: the session's token, or a
    marker for a user handed in by MonoPilot (whose token the dashboard does not know)."""
    return session_csrf_token(request) or "same-origin"


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """``template`` rendered with ``context`` (autoescaped), as an HTML response."""
    env = aiohttp_jinja2.get_env(request.app)  # the dashboard's sub-application
    text = env.get_template(template).render(
        {"prefix": PREFIX, "csrf_token": csrf_token(request), **context}
    )
    return web.Response(text=text, status=status, content_type="text/html")
