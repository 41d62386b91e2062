"""Refusals of web pages as HTML pages.

The JSON API answers every refusal with problem details. A web page (a portal's, the
dashboard's) is opened by a person in a browser: a refusal raised around its handler (a
sign-in form from another origin, a log entry or panel that is not there) must be a page
that person can read, not a JSON document. Handlers of pages are marked
with :func:`web_page`, and the error middleware renders their refusals with
:func:`refusal_page`: the same status, title, detail and request id, plain HTML that loads
nothing.
"""

from __future__ import annotations

from html import escape
from typing import Any, TypeVar

from aiohttp import web

PAGE_ATTRIBUTE = "__monopilot_web_page__"

#: Set on a page's request while the page calls a JSON route's handler for its data (the
#: dashboard's pages do): that call's refusals stay problem details, which the page reads.
JSON_CALL = web.RequestKey("monopilot.json_call", bool)

F = TypeVar("F")

#: A refusal page loads nothing and may not be framed (it carries no style or script).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def web_page(handler: F) -> F:
    """Mark ``handler`` as serving a web page (its refusals are HTML)."""
    setattr(handler, PAGE_ATTRIBUTE, True)
    return handler


def is_page(request: web.Request) -> bool:
    """Did ``request`` reach a route whose handler serves a web page (and is not, at the
    moment, calling a JSON handler for it)?"""
    if request.get(JSON_CALL):
        return False
    match_info: Any = request.match_info
    handler = getattr(match_info, "handler", None)
    return bool(getattr(handler, PAGE_ATTRIBUTE, False))


def refusal_page(
    *,
    status: int,
    title: str,
    detail: str,
    request_id: str | None,
    headers: dict[str, str],
) -> web.Response:
    reference = (
        f"<p>Quote this reference when asking for help: <code>{escape(request_id)}</code></p>"
        if request_id
        else ""
    )
    body = (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{status} {escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
        f"<body><main><h1>{escape(title)}</h1><p>{escape(detail)}</p>{reference}"
        "</main></body></html>\n"
    )
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={**headers, **HEADERS},
    )
