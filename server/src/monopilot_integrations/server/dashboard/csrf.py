"""Cross-site request forgery on the dashboard's changes.

Every state-changing request must come from the dashboard's own pages (same origin) and
carry the ``X-CSRF-Token`` header. For a session of the dashboard's own sign-in the token
is the session's, compared in constant time; a user handed in by MonoPilot's
``provide_dashboard_user`` has MonoPilot's session, whose token the dashboard does not
know: for it the header must be present (a cross-site form cannot set a header, and a
cross-site script cannot send one without a CORS pre-flight this server never grants) and
the request same-origin.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from monopilot_integrations.core.web.problems import Problem

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The CSRF token of the dashboard session behind this request, when there is one.
SESSION_CSRF: web.RequestKey[str] = web.RequestKey("monopilot.dashboard_csrf", str)


def _origin(request: web.BaseRequest) -> str:
    return f"{request.scheme}://{request.host}".lower()


def check_same_origin(request: web.BaseRequest) -> None:
    """403 for a change requested by another site (``Sec-Fetch-Site`` or ``Origin``)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in ("same-origin", "none"):
        raise Problem(
            403, f"a {site} request cannot change anything here", kind="cross-site-request"
        )
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/").lower() != _origin(request):
        raise Problem(
            403,
            f"requests from {origin[:100]!r} cannot change anything here",
            kind="cross-site-request",
        )


async def check_request_csrf(request: web.Request) -> None:
    """Refuse a state-changing request without the right CSRF header (403)."""
    if request.method in SAFE_METHODS:
        return
    check_same_origin(request)
    presented = request.headers.get(CSRF_HEADER, "")
    expected = request.get(SESSION_CSRF)
    if not presented or len(presented) > 128:
        raise Problem(
            403, f"send the page's CSRF token in the {CSRF_HEADER} header", kind="csrf-token"
        )
    if expected is not None and not hmac.compare_digest(expected.encode(), presented.encode()):
        raise Problem(403, "the CSRF token is wrong: reload the page", kind="csrf-token")
