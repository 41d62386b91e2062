"""``/api/planning/purchase-orders``: read, create and change purchase orders."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.orders import (
    NewPurchaseOrder,
    NewPurchaseOrderLine,
    PurchaseOrder,
)
from monopilot_integrations.core.domain.orders import (
    PurchaseOrderUpdate as StorePurchaseOrderUpdate,
)
from monopilot_integrations.core.domain.parties import Supplier
from monopilot_integrations.core.domain.payloads import order_updated, purchase_order
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    Caller,
    caller,
    domain_errors,
    invalid,
    not_found,
    party_filter,
    path_id,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.orders import (
    PurchaseOrderCreate,
    PurchaseOrderList,
    PurchaseOrderOut,
    PurchaseOrderQuery,
    PurchaseOrderUpdate,
)
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body, parse_query

BASE = "/api/planning/purchase-orders"


async def _suppliers(
    c: Caller, ids: Iterable[uuid.UUID], s: AsyncSession
) -> dict[uuid.UUID, Supplier]:
    found: dict[uuid.UUID, Supplier] = {}
    for supplier_id in set(ids):
        supplier = await c.store.get_supplier(c.org, supplier_id, session=s)
        if supplier is not None:
            found[supplier_id] = supplier
    return found


def _out(order: PurchaseOrder, suppliers: dict[uuid.UUID, Supplier]) -> dict[str, Any]:
    return {**dict(order), "supplier_code": suppliers[order.supplier_id].code}


async def list_purchase_orders(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, PurchaseOrderQuery)
    empty = PurchaseOrderList(items=[], total=0, limit=query.limit, offset=query.offset)
    async with c.kernel.session(c.org) as s:
        nothing, supplier_id = await party_filter(
            query.supplier,
            query.supplier_id,
            lambda code: c.store.find_supplier_by_code(c.org, code, session=s),
        )
        if nothing:
            return json_response(empty)
        page = await c.store.list_purchase_orders(
            c.org,
            supplier_id=supplier_id,
            status=query.status,
            limit=query.limit,
            offset=query.offset,
            session=s,
        )
        suppliers = await _suppliers(c, (o.supplier_id for o in page.items), s)
    items = [_out(order, suppliers) for order in page.items]
    return json_response(PurchaseOrderList.model_validate({**dict(page), "items": items}))


async def get_purchase_order(request: web.Request) -> web.Response:
    c = caller(request)
    order_id = path_id(request, "purchase order")
    async with c.kernel.session(c.org) as s:
        order = await c.store.get_purchase_order(c.org, order_id, session=s)
        if order is None:
            raise not_found("purchase order", order_id)
        suppliers = await _suppliers(c, [order.supplier_id], s)
    return json_response(PurchaseOrderOut.model_validate(_out(order, suppliers)))


async def create_purchase_order(request: web.Request) -> web.Response:
    """Resolve the supplier and products by code, insert the order and publish
    ``order.created``, in one transaction."""
    c = caller(request)
    body = await parse_body(request, PurchaseOrderCreate)
    duplicate = f"purchase order number {body.number!r} is already used"
    with domain_errors(conflict=duplicate):
        async with c.kernel.session(c.org) as s:
            supplier = await c.store.find_supplier_by_code(c.org, body.supplier_code, session=s)
            problems: list[dict[str, str]] = []
            if supplier is None:
                problems.append(
                    {"path": "/supplier_code", "message": f"no supplier {body.supplier_code!r}"}
                )
            products: dict[str, Product | None] = {}
            for i, line in enumerate(body.lines):
                if line.product_code not in products:
                    products[line.product_code] = await c.store.find_product_by_code(
                        c.org, line.product_code, session=s
                    )
                product = products[line.product_code]
                if product is None or not product.active:
                    state = "no product" if product is None else "a deleted product"
                    problems.append(
                        {
                            "path": f"/lines/{i}/product_code",
                            "message": f"{state} {line.product_code!r}",
                        }
                    )
            if problems or supplier is None:
                raise invalid(problems, "invalid purchase order")
            product_ids = {code: p.id for code, p in products.items() if p is not None}
            new = NewPurchaseOrder(
                number=body.number,
                supplier_id=supplier.id,
                order_date=body.order_date or c.kernel.clock.now().astimezone(UTC).date(),
                expected_delivery_date=body.expected_delivery_date,
                status=body.status,
                currency=body.currency,
                notes=body.notes,
                lines=[
                    NewPurchaseOrderLine(
                        product_id=product_ids[line.product_code],
                        qty=line.qty,
                        unit_price=line.unit_price,
                        line_no=line.line_no,
                    )
                    for line in body.lines
                ],
            )
            try:
                order = await c.store.create_purchase_order(c.org, new, session=s)
            except ValidationError as exc:
                if any(e.get("path") == "number" for e in exc.errors):
                    raise Problem(
                        409,
                        duplicate,
                        errors=[{"location": "body", "path": "/number", "message": "in use"}],
                    ) from exc
                raise
            await c.kernel.publish(
                c.org, "order.created", purchase_order(order, supplier), session=s
            )
    response = json_response(
        PurchaseOrderOut.model_validate(_out(order, {supplier.id: supplier})), status=201
    )
    response.headers["Location"] = f"{BASE}/{order.id}"
    return response


async def update_purchase_order(request: web.Request) -> web.Response:
    """Change status, dates or notes; publishes ``order.updated`` with
    ``changes: {field: {old, new}}`` when something actually changed."""
    c = caller(request)
    order_id = path_id(request, "purchase order")
    body = await parse_body(request, PurchaseOrderUpdate)
    with domain_errors():
        async with c.kernel.session(c.org) as s:
            before = await c.store.get_purchase_order(c.org, order_id, session=s)
            if before is None:
                raise not_found("purchase order", order_id)
            changes = {k: v for k, v in body.sent().items() if getattr(before, k) != v}
            suppliers = await _suppliers(c, [before.supplier_id], s)
            order = before
            if changes:
                order = await c.store.update_purchase_order(
                    c.org, order_id, StorePurchaseOrderUpdate(**changes), session=s
                )
                data = order_updated(before, order, suppliers[order.supplier_id], source="api")
                await c.kernel.publish(c.org, "order.updated", data, session=s)
    return json_response(PurchaseOrderOut.model_validate(_out(order, suppliers)))


TAGS = ("purchase orders",)

ROUTES = [
    Route(
        "GET",
        BASE,
        list_purchase_orders,
        name="purchase_orders.list",
        scope="read:orders",
        summary="List purchase orders (by supplier code or id, status)",
        tags=TAGS,
        query_model=PurchaseOrderQuery,
        response_model=PurchaseOrderList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_purchase_order,
        name="purchase_orders.get",
        scope="read:orders",
        summary="One purchase order with its lines",
        tags=TAGS,
        response_model=PurchaseOrderOut,
        responses=errors(404),
    ),
    Route(
        "POST",
        BASE,
        create_purchase_order,
        name="purchase_orders.create",
        status_code=201,
        scope="write:orders",
        summary="Create a purchase order (supplier and products by code); publishes order.created",
        tags=TAGS,
        request_model=PurchaseOrderCreate,
        response_model=PurchaseOrderOut,
        responses=errors(409, body=True),
    ),
    Route(
        "PUT",
        BASE + "/{id}",
        update_purchase_order,
        name="purchase_orders.update",
        scope="write:orders",
        summary="Change a purchase order's status, dates or notes; publishes order.updated",
        tags=TAGS,
        request_model=PurchaseOrderUpdate,
        response_model=PurchaseOrderOut,
        responses=errors(404, body=True),
    ),
]
