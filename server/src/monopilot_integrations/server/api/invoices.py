"""``/api/sales/invoices``: read invoices (the id ``POST /edi/send`` takes for INVOIC)."""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import caller, not_found, party_filter, path_id
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.invoices import (
    InvoiceList,
    InvoiceOut,
    InvoiceQuery,
)
from monopilot_integrations.server.validation import json_response, parse_query

BASE = "/api/sales/invoices"


async def list_invoices(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, InvoiceQuery)
    nothing, customer_id = await party_filter(
        query.customer,
        query.customer_id,
        lambda code: c.store.find_customer_by_code(c.org, code),
    )
    if nothing:
        return json_response(InvoiceList(items=[], total=0, limit=query.limit, offset=query.offset))
    page = await c.store.list_invoices(
        c.org,
        customer_id=customer_id,
        sync_status=query.sync_status,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(InvoiceList.model_validate(page))


async def get_invoice(request: web.Request) -> web.Response:
    c = caller(request)
    invoice_id = path_id(request, "invoice")
    invoice = await c.store.get_invoice(c.org, invoice_id)
    if invoice is None:
        raise not_found("invoice", invoice_id)
    return json_response(InvoiceOut.model_validate(invoice))


ROUTES = [
    Route(
        "GET",
        BASE,
        list_invoices,
        name="sales.invoices.list",
        scope="read:orders",
        summary="List invoices (by customer code or id, accounting sync status)",
        tags=("invoices",),
        query_model=InvoiceQuery,
        response_model=InvoiceList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_invoice,
        name="sales.invoices.get",
        scope="read:orders",
        summary="One invoice with lines, customer and totals",
        tags=("invoices",),
        response_model=InvoiceOut,
        responses=errors(404),
    ),
]
