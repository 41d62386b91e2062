"""``/api/sales/orders``: read sales orders (whatever created them: the API, EDI, a portal)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.orders import SalesOrder
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    Caller,
    caller,
    not_found,
    party_filter,
    path_id,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.orders import (
    SalesOrderList,
    SalesOrderOut,
    SalesOrderQuery,
)
from monopilot_integrations.server.validation import json_response, parse_query

BASE = "/api/sales/orders"


async def _customer_codes(
    c: Caller, ids: Iterable[uuid.UUID | None], s: AsyncSession
) -> dict[uuid.UUID, str]:
    codes: dict[uuid.UUID, str] = {}
    for customer_id in {i for i in ids if i is not None}:
        customer = await c.store.get_customer(c.org, customer_id, session=s)
        if customer is not None:
            codes[customer_id] = customer.code
    return codes


def _out(order: SalesOrder, codes: dict[uuid.UUID, str]) -> dict[str, Any]:
    code = codes.get(order.customer_id) if order.customer_id is not None else None
    return {**dict(order), "customer_code": code}


async def list_sales_orders(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, SalesOrderQuery)
    empty = SalesOrderList(items=[], total=0, limit=query.limit, offset=query.offset)
    async with c.kernel.session(c.org) as s:
        nothing, customer_id = await party_filter(
            query.customer,
            query.customer_id,
            lambda code: c.store.find_customer_by_code(c.org, code, session=s),
        )
        if nothing:
            return json_response(empty)
        page = await c.store.list_sales_orders(
            c.org,
            customer_id=customer_id,
            status=query.status,
            source=query.source,
            limit=query.limit,
            offset=query.offset,
            session=s,
        )
        codes = await _customer_codes(c, (o.customer_id for o in page.items), s)
    items = [_out(order, codes) for order in page.items]
    return json_response(SalesOrderList.model_validate({**dict(page), "items": items}))


async def get_sales_order(request: web.Request) -> web.Response:
    c = caller(request)
    order_id = path_id(request, "sales order")
    async with c.kernel.session(c.org) as s:
        order = await c.store.get_sales_order(c.org, order_id, session=s)
        if order is None:
            raise not_found("sales order", order_id)
        codes = await _customer_codes(c, [order.customer_id], s)
    return json_response(SalesOrderOut.model_validate(_out(order, codes)))


TAGS = ("sales orders",)

ROUTES = [
    Route(
        "GET",
        BASE,
        list_sales_orders,
        name="sales_orders.list",
        scope="read:orders",
        summary="List sales orders (by customer code or id, status, source)",
        tags=TAGS,
        query_model=SalesOrderQuery,
        response_model=SalesOrderList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_sales_order,
        name="sales_orders.get",
        scope="read:orders",
        summary="One sales order with its lines",
        tags=TAGS,
        response_model=SalesOrderOut,
        responses=errors(404),
    ),
]
