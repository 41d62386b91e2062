"""``/api/warehouse``: stock levels and inventory moves.

A move that takes a product's total stock below its reorder level publishes
``inventory.low`` in the move's transaction, once per crossing: only when the stock was at
or above the level before the move. Further moves while it stays below publish nothing, and
a move that brings it back up re-arms the rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.inventory import (
    InventoryMove,
    InventoryMoveReason,
    InventoryMoveResult,
    NewInventoryMove,
)
from monopilot_integrations.core.domain.payloads import inventory_low
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    Caller,
    caller,
    domain_errors,
    invalid,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.stock import (
    InventoryList,
    InventoryMoveCreate,
    InventoryMoveResultOut,
    InventoryQuery,
)
from monopilot_integrations.server.validation import json_response, parse_body, parse_query


async def apply_move(
    c: Caller,
    s: AsyncSession,
    product: Product,
    *,
    location: str,
    qty: Decimal,
    reason: InventoryMoveReason,
    reference: str | None,
) -> InventoryMoveResult:
    """Record the move in ``s`` and publish ``inventory.low`` if it crosses the level."""
    move = NewInventoryMove(
        product_id=product.id, location=location, qty=qty, reason=reason, reference=reference
    )
    result = await c.store.apply_inventory_move(c.org, move, session=s)
    before = result.product_qty - result.move.qty
    if result.below_reorder and before >= result.reorder_level:
        data = inventory_low(product, result.product_qty, result.reorder_level, location)
        await c.kernel.publish(c.org, "inventory.low", data, session=s)
    return result


def move_out(move: InventoryMove, product: Product) -> dict[str, Any]:
    return {**dict(move), "product_code": product.code}


async def list_inventory(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, InventoryQuery)
    product_id = None
    if query.product is not None:
        product = await c.store.find_product_by_code(c.org, query.product)
        if product is None:
            empty = InventoryList(items=[], total=0, limit=query.limit, offset=query.offset)
            return json_response(empty)
        product_id = product.id
    page = await c.store.list_inventory(
        c.org,
        product_id=product_id,
        location=query.location,
        below_reorder=query.below_reorder,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(InventoryList.model_validate(page))


async def create_move(request: web.Request) -> web.Response:
    c = caller(request)
    body = await parse_body(request, InventoryMoveCreate)
    with domain_errors():
        async with c.kernel.session(c.org) as s:
            product = await c.store.find_product_by_code(c.org, body.product_code, session=s)
            if product is None:
                raise invalid(
                    [{"path": "/product_code", "message": f"no product {body.product_code!r}"}],
                    "invalid inventory move",
                )
            result = await apply_move(
                c,
                s,
                product,
                location=body.location,
                qty=body.qty,
                reason=body.reason,
                reference=body.reference,
            )
    out = {**dict(result), "move": move_out(result.move, product)}
    return json_response(InventoryMoveResultOut.model_validate(out), status=201)


TAGS = ("warehouse",)

ROUTES = [
    Route(
        "GET",
        "/api/warehouse/inventory",
        list_inventory,
        name="warehouse.inventory",
        scope="read:inventory",
        summary="Stock levels per product and location (by product code, location, below "
        "reorder level)",
        tags=TAGS,
        query_model=InventoryQuery,
        response_model=InventoryList,
        responses=errors(422),
    ),
    Route(
        "POST",
        "/api/warehouse/moves",
        create_move,
        name="warehouse.moves.create",
        status_code=201,
        scope="write:inventory",
        summary="Record an inventory move; publishes inventory.low when stock falls below the "
        "reorder level",
        tags=TAGS,
        request_model=InventoryMoveCreate,
        response_model=InventoryMoveResultOut,
        responses=errors(body=True),
    ),
]
