"""Rendering pages: one Jinja2 environment over the package's templates, autoescaped.

Every page goes out with headers that keep it to itself: a Content-Security-Policy that
allows this server's own stylesheet and forms only (no script at all: the pages need none),
no framing, no sniffing, no referrer to other sites, and no caching of personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jinja2
from aiohttp import web

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("monopilot_integrations.connectors.portals.web", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def quantity(value: Decimal | None) -> str:
    """``40.5`` rather than ``40.5000``."""
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


ENV.filters["qty"] = quantity
ENV.filters["day"] = day


def render(
    name: str, context: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    body = ENV.get_template(name).render(**context)
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    if headers:
        response.headers.update(headers)
    return response
