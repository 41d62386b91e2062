"""Cross-site request forgery on the dashboard's changes, with the kernel's web-session
checks (``core.web.sessions``, shared with the portals).

Every state-changing request must pass the ``Origin`` / ``Sec-Fetch-Site`` check and carry
the ``X-CSRF-Token`` header. For a session of the dashboard's own sign-in the token must be
the session's (constant-time comparison). A user handed in by MonoPilot's
``provide_dashboard_user`` has MonoPilot's session, whose token the dashboard does not know:
for it the header must be present (a cross-site form cannot set a header, and a cross-site
script cannot send one without a CORS pre-flight this server never grants).
"""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    CURRENT,
    check_csrf_token,
    check_same_origin,
)

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "check_request_csrf", "session_csrf_token"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_csrf_token(request: web.Request) -> str | None:
    """The CSRF token of the dashboard session behind this request, if there is one."""
    session = request.get(CURRENT)
    return session.csrf_token if session is not None else None


async def check_request_csrf(request: web.Request, presented: str | None = None) -> None:
    """Refuse (403 problem) a state-changing request from another site or without the
    right token. ``presented`` is a form's token; the header is read otherwise."""
    if request.method in SAFE_METHODS:
        return
    check_same_origin(request, request_kernel(request).settings.web_trusted_origins)
    presented = presented or request.headers.get(CSRF_HEADER)
    session = request.get(CURRENT)
    if session is not None:
        check_csrf_token(session, presented)
    elif not presented or len(presented) > 128:
        raise Problem(
            403, f"send the page's CSRF token in the {CSRF_HEADER} header", kind="csrf-token"
        )
