"""The pages' routes: ``/portal/supplier/...``, ``/portal/customer/...`` and the
stylesheet. Public as far as API keys go (a web session authenticates them) and left out
of the OpenAPI document (they are HTML, not the JSON API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from aiohttp import web

from monopilot_integrations.connectors.portals.parties import CUSTOMER, SUPPLIER, Portal
from monopilot_integrations.connectors.portals.web import customer_pages, supplier_pages
from monopilot_integrations.connectors.portals.web.session_pages import (
    index_handler,
    login_form_handler,
    login_handler,
    logout_handler,
)
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.error_pages import web_page

STYLESHEET = (
    files("monopilot_integrations.connectors.portals.web") / "static" / "portal.css"
).read_text(encoding="utf-8")


async def stylesheet(request: web.Request) -> web.StreamResponse:
    return web.Response(
        text=STYLESHEET,
        content_type="text/css",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _page(method: str, path: str, handler: Handler, name: str) -> Route:
    """A page: a refusal its handler does not render itself is an HTML page too, not
    problem details."""
    return Route(method, path, web_page(handler), name=name, public=True, in_openapi=False)


def _session_pages(portal: Portal) -> list[Route]:
    base, name = portal.page_base, f"portal_{portal.kind}_page"
    return [
        _page("GET", base, index_handler(portal), f"{name}.index"),
        _page("GET", base + "/login", login_form_handler(portal), f"{name}.login_form"),
        _page("POST", base + "/login", login_handler(portal), f"{name}.login"),
        _page("POST", base + "/logout", logout_handler(portal), f"{name}.logout"),
    ]


ROUTES: list[Route] = [
    _page("GET", "/portal/static/portal.css", stylesheet, "portal_page.stylesheet"),
    *_session_pages(SUPPLIER),
    _page(
        "GET", "/portal/supplier/orders", supplier_pages.orders_page, "portal_supplier_page.orders"
    ),
    _page(
        "GET",
        "/portal/supplier/orders/{id}",
        supplier_pages.order_page,
        "portal_supplier_page.order",
    ),
    _page(
        "POST",
        "/portal/supplier/orders/{id}/confirm",
        supplier_pages.confirm_post,
        "portal_supplier_page.confirm",
    ),
    *_session_pages(CUSTOMER),
    _page(
        "GET", "/portal/customer/orders", customer_pages.orders_page, "portal_customer_page.orders"
    ),
    _page(
        "GET",
        "/portal/customer/orders/{id}",
        customer_pages.order_page,
        "portal_customer_page.order",
    ),
    _page(
        "GET",
        "/portal/customer/shipments/{id}",
        customer_pages.shipment_page,
        "portal_customer_page.shipment",
    ),
]
