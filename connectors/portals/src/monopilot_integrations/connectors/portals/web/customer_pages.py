"""The customer portal's pages: orders (paged, by status), one order with its shipments,
and a shipment's tracking."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from aiohttp import web

from monopilot_integrations.connectors.portals import auth, reads
from monopilot_integrations.connectors.portals.api import views
from monopilot_integrations.connectors.portals.parties import CUSTOMER
from monopilot_integrations.connectors.portals.web.pages import context, signed_in_page
from monopilot_integrations.connectors.portals.web.render import render
from monopilot_integrations.core.errors import NotFoundError
from monopilot_integrations.core.web.request import request_kernel

PAGE_SIZE = 25
STATUSES = ("draft", "confirmed", "pending_review", "in_production", "shipped", "cancelled")


def _id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise NotFoundError("no such record") from None


@signed_in_page(CUSTOMER)
async def orders_page(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    status = request.query.get("status", "")
    errors = {"status": "Choose a status from the list."} if status not in ("", *STATUSES) else {}
    try:
        page_no = max(1, min(int(request.query.get("page", "1")), 40_000))
    except ValueError:
        page_no = 1
    items, total = [], 0
    if not errors:
        page = await reads.customer_orders(
            request_kernel(request),
            user,
            status=status or None,  # type: ignore[arg-type]
            limit=PAGE_SIZE,
            offset=(page_no - 1) * PAGE_SIZE,
        )
        items, total = list(page.items), page.total
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {"status": status} if status else {}
    return render(
        "customer_orders.html",
        context(
            CUSTOMER,
            user,
            title="Your orders",
            orders=items,
            total=total,
            page_no=page_no,
            pages=pages,
            prev_link="?" + urlencode({**kept, "page": page_no - 1}) if page_no > 1 else None,
            next_link="?" + urlencode({**kept, "page": page_no + 1}) if page_no < pages else None,
            filters={"status": status},
            statuses=STATUSES,
            errors=errors,
        ),
        status=422 if errors else 200,
    )


@signed_in_page(CUSTOMER)
async def order_page(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    order, shipments = await reads.customer_order(request_kernel(request), user, _id(request))
    return render(
        "customer_order.html",
        context(CUSTOMER, user, title=f"Order {order.number}", order=order, shipments=shipments),
    )


@signed_in_page(CUSTOMER)
async def shipment_page(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    shipment, requested = await reads.customer_shipment(request_kernel(request), user, _id(request))
    tracking = views.tracking(shipment, requested)
    return render(
        "shipment.html",
        context(CUSTOMER, user, title=f"Shipment {shipment.number}", shipment=tracking),
    )
