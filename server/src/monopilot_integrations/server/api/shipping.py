"""``/api/shipping/shipments``: read shipments and dispatch them."""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.domain.payloads import shipment_dispatched
from monopilot_integrations.core.domain.shipments import (
    NewShipment,
    NewShipmentLine,
    NewShipmentPackage,
)
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    caller,
    domain_errors,
    not_found,
    path_id,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.shipping import (
    ShipmentCreate,
    ShipmentDispatch,
    ShipmentList,
    ShipmentOut,
    ShipmentQuery,
)
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body, parse_query

BASE = "/api/shipping/shipments"


async def list_shipments(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, ShipmentQuery)
    customer_id = query.customer_id
    if query.customer is not None:
        customer = await c.store.find_customer_by_code(c.org, query.customer)
        if customer is None or customer_id not in (None, customer.id):
            empty = ShipmentList(items=[], total=0, limit=query.limit, offset=query.offset)
            return json_response(empty)
        customer_id = customer.id
    page = await c.store.list_shipments(
        c.org,
        customer_id=customer_id,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(ShipmentList.model_validate(page))


async def get_shipment(request: web.Request) -> web.Response:
    c = caller(request)
    shipment_id = path_id(request, "shipment")
    shipment = await c.store.get_shipment(c.org, shipment_id)
    if shipment is None:
        raise not_found("shipment", shipment_id)
    return json_response(ShipmentOut.model_validate(shipment))


async def create_shipment(request: web.Request) -> web.Response:
    """A planned shipment of a sales order with its packages (pallets with SSCCs), so a
    DESADV can be sent for it."""
    c = caller(request)
    body = await parse_body(request, ShipmentCreate)
    # A concurrent writer took the number or an SSCC between the store's checks and the insert.
    with domain_errors(f"shipment number {body.number!r} or one of its SSCCs is already used"):
        async with c.kernel.session(c.org) as s:
            order = await c.store.get_sales_order(c.org, body.sales_order_id, session=s)
            if order is None:
                raise ValidationError(
                    f"no sales order {body.sales_order_id}",
                    [{"path": "/sales_order_id", "message": "no such sales order"}],
                )
            packages = []
            for p, package in enumerate(body.packages):
                lines = []
                for i, line in enumerate(package.lines):
                    product = await c.store.find_product_by_code(
                        c.org, line.product_code, session=s
                    )
                    if product is None:
                        raise ValidationError(
                            f"no product {line.product_code!r}",
                            [
                                {
                                    "path": f"/packages/{p}/lines/{i}/product_code",
                                    "message": "no such product",
                                }
                            ],
                        )
                    lines.append(
                        NewShipmentLine(
                            product_id=product.id,
                            qty=line.qty,
                            batch=line.batch,
                            best_before=line.best_before,
                        )
                    )
                packages.append(
                    NewShipmentPackage(
                        sscc=package.sscc,
                        package_type=package.package_type,
                        gross_weight=package.gross_weight,
                        lines=lines,
                    )
                )
            shipment = await c.store.create_shipment(
                c.org,
                NewShipment(
                    number=body.number,
                    sales_order_id=order.id,
                    carrier=body.carrier,
                    packages=packages,
                ),
                session=s,
            )
    return json_response(ShipmentOut.model_validate(shipment), status=201)


async def dispatch_shipment(request: web.Request) -> web.Response:
    """Set a planned shipment dispatched with its tracking; publishes
    ``shipment.dispatched`` in the same transaction."""
    c = caller(request)
    shipment_id = path_id(request, "shipment")
    body = await parse_body(request, ShipmentDispatch)
    with domain_errors():
        async with c.kernel.session(c.org) as s:
            shipment = await c.store.get_shipment(c.org, shipment_id, session=s)
            if shipment is None:
                raise not_found("shipment", shipment_id)
            if shipment.status != "planned":
                raise Problem(409, f"shipment {shipment.number} is already {shipment.status}")
            shipment = await c.store.update_shipment_status(
                c.org,
                shipment_id,
                "dispatched",
                at=body.dispatched_at,
                carrier=body.carrier,
                tracking_number=body.tracking_number,
                tracking_url=str(body.tracking_url) if body.tracking_url else None,
                session=s,
            )
            data = shipment_dispatched(shipment)
            await c.kernel.publish(c.org, "shipment.dispatched", data, session=s)
    return json_response(ShipmentOut.model_validate(shipment))


TAGS = ("shipping",)

ROUTES = [
    Route(
        "GET",
        BASE,
        list_shipments,
        name="shipping.shipments.list",
        scope="read:shipping",
        summary="List shipments (by status, customer code or id)",
        tags=TAGS,
        query_model=ShipmentQuery,
        response_model=ShipmentList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_shipment,
        name="shipping.shipments.get",
        scope="read:shipping",
        summary="One shipment with its packages and lines, customer and tracking",
        tags=TAGS,
        response_model=ShipmentOut,
        responses=errors(404),
    ),
    Route(
        "POST",
        BASE,
        create_shipment,
        name="shipping.shipments.create",
        # Shipping goods of an order changes its fulfilment, like dispatching.
        scope="write:orders",
        summary="Create a planned shipment of a sales order with packages (pallets, SSCCs)",
        tags=TAGS,
        request_model=ShipmentCreate,
        response_model=ShipmentOut,
        responses=errors(409, body=True),
    ),
    Route(
        "POST",
        BASE + "/{id}/dispatch",
        dispatch_shipment,
        name="shipping.shipments.dispatch",
        # Dispatching changes an order's fulfilment: read:shipping is not enough.
        scope="write:orders",
        summary="Dispatch a shipment with carrier and tracking; publishes shipment.dispatched",
        tags=TAGS,
        request_model=ShipmentDispatch,
        response_model=ShipmentOut,
        responses=errors(404, 409, body=True),
    ),
]
