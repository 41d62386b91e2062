"""The routes of ``/api/portal/supplier`` and ``/api/portal/customer``.

Public as far as API keys go (``public=True``): they authenticate with the portal session
cookie instead (:mod:`..auth`). Every route answers only the signed-in user's own records;
another supplier's or customer's, or another organisation's, is a 404.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from monopilot_integrations.connectors.portals import auth, reads
from monopilot_integrations.connectors.portals.api import views
from monopilot_integrations.connectors.portals.api.models import (
    CustomerOrderQuery,
    LoginRequest,
    PurchaseOrderOut,
    PurchaseOrderPage,
    SalesOrderOut,
    SalesOrderPage,
    ShipmentTracking,
    SignedOut,
    SupplierOrderQuery,
    WhoAmI,
)
from monopilot_integrations.connectors.portals.api.session_routes import (
    login_handler,
    logout_handler,
    me_handler,
)
from monopilot_integrations.connectors.portals.confirm import DeliveryConfirmation, confirm_delivery
from monopilot_integrations.connectors.portals.parties import CUSTOMER, SUPPLIER, Portal
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem, ProblemDetail
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query


def path_id(request: web.Request, what: str) -> uuid.UUID:
    """The path's id; anything that is not a UUID is simply not found."""
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no {what} {request.match_info['id'][:64]!r} here") from None


async def supplier_orders(request: web.Request) -> web.Response:
    user = await auth.require_user(request, SUPPLIER)
    query = parse_query(request, SupplierOrderQuery)
    if query.ordered_from and query.ordered_until and query.ordered_until < query.ordered_from:
        raise Problem(
            422,
            "ordered_until is before ordered_from",
            errors=[
                {"location": "query", "path": "/ordered_until", "message": "before ordered_from"}
            ],
        )
    page = await reads.supplier_orders(
        request_kernel(request),
        user,
        status=query.status,
        ordered_from=query.ordered_from,
        ordered_until=query.ordered_until,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(
        PurchaseOrderPage(
            items=[views.purchase_order(o) for o in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )
    )


async def supplier_order(request: web.Request) -> web.Response:
    user = await auth.require_user(request, SUPPLIER)
    order_id = path_id(request, "purchase order")
    order = await reads.supplier_order(request_kernel(request), user, order_id)
    return json_response(views.purchase_order(order))


async def supplier_confirm(request: web.Request) -> web.Response:
    user = await auth.require_user(request, SUPPLIER)
    auth.check_csrf(request, user)
    order_id = path_id(request, "purchase order")
    body = await parse_body(request, DeliveryConfirmation)
    order = await confirm_delivery(request_kernel(request), user, order_id, body)
    return json_response(views.purchase_order(order))


async def customer_orders(request: web.Request) -> web.Response:
    user = await auth.require_user(request, CUSTOMER)
    query = parse_query(request, CustomerOrderQuery)
    page = await reads.customer_orders(
        request_kernel(request), user, status=query.status, limit=query.limit, offset=query.offset
    )
    return json_response(
        SalesOrderPage(
            items=[views.sales_order(o) for o in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )
    )


async def customer_order(request: web.Request) -> web.Response:
    user = await auth.require_user(request, CUSTOMER)
    order_id = path_id(request, "order")
    order, shipments = await reads.customer_order(request_kernel(request), user, order_id)
    return json_response(views.sales_order(order, shipments))


async def customer_shipment(request: web.Request) -> web.Response:
    user = await auth.require_user(request, CUSTOMER)
    shipment_id = path_id(request, "shipment")
    shipment, requested = await reads.customer_shipment(request_kernel(request), user, shipment_id)
    return json_response(views.tracking(shipment, requested))


def _problems(*statuses: int) -> dict[int, type[ProblemDetail]]:
    return {status: ProblemDetail for status in statuses}


def _session_routes(portal: Portal) -> list[Route]:
    tags = (portal.title.lower(),)
    base = portal.api_base
    return [
        Route(
            "POST",
            base + "/login",
            login_handler(portal),
            name=f"portal_{portal.kind}.login",
            public=True,
            summary=f"Sign in to the {portal.title.lower()}: sets the session cookie",
            tags=tags,
            request_model=LoginRequest,
            response_model=WhoAmI,
            responses=_problems(401, 403, 429),
        ),
        Route(
            "POST",
            base + "/logout",
            logout_handler(portal),
            name=f"portal_{portal.kind}.logout",
            public=True,
            summary="Sign out: the session ends on the server (X-CSRF-Token required)",
            tags=tags,
            response_model=SignedOut,
            responses=_problems(401, 403),
        ),
        Route(
            "GET",
            base + "/me",
            me_handler(portal),
            name=f"portal_{portal.kind}.me",
            public=True,
            summary="Who is signed in, and the session's CSRF token",
            tags=tags,
            response_model=WhoAmI,
            responses=_problems(401),
        ),
    ]


SUPPLIER_TAGS = ("supplier portal",)
CUSTOMER_TAGS = ("customer portal",)

ROUTES: list[Route] = [
    *_session_routes(SUPPLIER),
    Route(
        "GET",
        SUPPLIER.api_base + "/orders",
        supplier_orders,
        name="portal_supplier.orders",
        public=True,
        summary="The supplier's purchase orders, newest first (status and order date filters)",
        tags=SUPPLIER_TAGS,
        query_model=SupplierOrderQuery,
        response_model=PurchaseOrderPage,
        responses=_problems(401, 422),
    ),
    Route(
        "GET",
        SUPPLIER.api_base + "/orders/{id}",
        supplier_order,
        name="portal_supplier.order",
        public=True,
        summary="One purchase order: lines, quantities, requested dates",
        tags=SUPPLIER_TAGS,
        response_model=PurchaseOrderOut,
        responses=_problems(401, 404),
    ),
    Route(
        "POST",
        SUPPLIER.api_base + "/orders/{id}/confirm",
        supplier_confirm,
        name="portal_supplier.confirm",
        public=True,
        summary="Confirm delivery: date, quantities per line, note; publishes order.updated",
        tags=SUPPLIER_TAGS,
        request_model=DeliveryConfirmation,
        response_model=PurchaseOrderOut,
        responses=_problems(401, 403, 404, 422),
    ),
    *_session_routes(CUSTOMER),
    Route(
        "GET",
        CUSTOMER.api_base + "/orders",
        customer_orders,
        name="portal_customer.orders",
        public=True,
        summary="The customer's orders, newest first",
        tags=CUSTOMER_TAGS,
        query_model=CustomerOrderQuery,
        response_model=SalesOrderPage,
        responses=_problems(401, 422),
    ),
    Route(
        "GET",
        CUSTOMER.api_base + "/orders/{id}",
        customer_order,
        name="portal_customer.order",
        public=True,
        summary="One order with its lines and shipments",
        tags=CUSTOMER_TAGS,
        response_model=SalesOrderOut,
        responses=_problems(401, 404),
    ),
    Route(
        "GET",
        CUSTOMER.api_base + "/shipments/{id}",
        customer_shipment,
        name="portal_customer.shipment",
        public=True,
        summary="Shipment tracking: carrier, tracking number, status history, expected delivery",
        tags=CUSTOMER_TAGS,
        response_model=ShipmentTracking,
        responses=_problems(401, 404),
    ),
]
