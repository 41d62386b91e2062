"""Cross-site request forgery: three layers, because each alone has gaps.

1. **SameSite=Lax** on the session cookie (:mod:`.policy`): browsers leave it off
   cross-site POSTs.
2. **Where the request comes from** (:func:`cross_site_refusal`): a state-changing request
   whose ``Sec-Fetch-Site`` says ``cross-site`` or ``same-site`` (a sibling subdomain), or
   whose ``Origin`` is not this server's own (nor a configured trusted origin), is refused.
   Requests without either header are not from a browser's page (curl, an API client)
   and pass this layer: forgery needs a victim's browser.
3. **A token per session** (:func:`csrf_token_matches`): every state-changing request of a
   signed-in session carries the session's CSRF token, in the form field ``csrf_token`` or
   the header ``X-CSRF-Token``, compared in constant time.

Sign-in itself (no session yet) is covered by layers 1 and 2. :func:`same_origin_middleware`
applies layer 2 to every path under some prefixes, for applications that own their
middleware stack (the server's dashboard); plugins' handlers call :func:`cross_site_refusal`
themselves.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.sessions.model import WebSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_ALLOWED_SITES = frozenset({"same-origin", "none"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_origin(request: web.BaseRequest) -> str:
    """``scheme://host[:port]`` of this server as the request reached it."""
    return f"{request.scheme}://{request.host}".lower()


def cross_site_refusal(request: web.BaseRequest, trusted_origins: Iterable[str] = ()) -> str | None:
    """Why a state-changing request is refused as cross-site, or ``None`` to let it pass
    (always ``None`` for GET, HEAD, OPTIONS)."""
    if request.method in SAFE_METHODS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in _ALLOWED_SITES:
        return f"a {site} request cannot change anything here (Sec-Fetch-Site)"
    origin = request.headers.get("Origin")
    if origin is not None:
        allowed = {request_origin(request), *(o.rstrip("/").lower() for o in trusted_origins)}
        if origin.rstrip("/").lower() not in allowed:
            return f"requests from {origin[:100]!r} cannot change anything here (Origin)"
    return None


def check_same_origin(request: web.BaseRequest, trusted_origins: Iterable[str] = ()) -> None:
    """Raise a 403 problem when :func:`cross_site_refusal` refuses the request."""
    reason = cross_site_refusal(request, trusted_origins)
    if reason is not None:
        raise Problem(403, reason, kind="cross-site-request")


def csrf_token_matches(session: WebSession, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (constant-time comparison)."""
    if not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), presented.encode())


def check_csrf_token(session: WebSession, presented: str | None) -> None:
    """Raise a 403 problem unless ``presented`` is the session's CSRF token."""
    if not csrf_token_matches(session, presented):
        raise Problem(
            403,
            f"the CSRF token is missing or wrong: send the session's token in the "
            f"{CSRF_HEADER} header (or the {CSRF_FIELD} form field)",
            kind="csrf-token",
        )


def same_origin_middleware(
    prefixes: Iterable[str], trusted_origins: Iterable[str] = ()
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """An aiohttp middleware applying :func:`check_same_origin` under ``prefixes``."""
    watched = tuple(prefixes)
    trusted = tuple(trusted_origins)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(watched):
            check_same_origin(request, trusted)
        return await handler(request)

    return middleware
