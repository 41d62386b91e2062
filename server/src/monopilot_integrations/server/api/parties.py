"""``/api/sales/customers`` and ``/api/planning/suppliers``: read the trading parties.

A partner profile names its customer by id and the EDI messages name parties by GLN:
these routes list both, under the ``read:orders`` scope the orders they belong to need.
"""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import caller, not_found, path_id
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.parties import PartyList, PartyOut, PartyQuery
from monopilot_integrations.server.validation import json_response, parse_query

CUSTOMERS = "/api/sales/customers"
SUPPLIERS = "/api/planning/suppliers"


async def list_customers(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, PartyQuery)
    page = await c.store.list_customers(
        c.org, search=query.q, limit=query.limit, offset=query.offset
    )
    return json_response(PartyList.model_validate(page))


async def get_customer(request: web.Request) -> web.Response:
    c = caller(request)
    customer_id = path_id(request, "customer")
    customer = await c.store.get_customer(c.org, customer_id)
    if customer is None:
        raise not_found("customer", customer_id)
    return json_response(PartyOut.model_validate(customer))


async def list_suppliers(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, PartyQuery)
    page = await c.store.list_suppliers(
        c.org, search=query.q, limit=query.limit, offset=query.offset
    )
    return json_response(PartyList.model_validate(page))


async def get_supplier(request: web.Request) -> web.Response:
    c = caller(request)
    supplier_id = path_id(request, "supplier")
    supplier = await c.store.get_supplier(c.org, supplier_id)
    if supplier is None:
        raise not_found("supplier", supplier_id)
    return json_response(PartyOut.model_validate(supplier))


ROUTES = [
    Route(
        "GET",
        CUSTOMERS,
        list_customers,
        name="sales.customers.list",
        scope="read:orders",
        summary="List customers with their GLNs and tax ids (q: code, name or GLN)",
        tags=("parties",),
        query_model=PartyQuery,
        response_model=PartyList,
        responses=errors(422),
    ),
    Route(
        "GET",
        CUSTOMERS + "/{id}",
        get_customer,
        name="sales.customers.get",
        scope="read:orders",
        summary="One customer",
        tags=("parties",),
        response_model=PartyOut,
        responses=errors(404),
    ),
    Route(
        "GET",
        SUPPLIERS,
        list_suppliers,
        name="planning.suppliers.list",
        scope="read:orders",
        summary="List suppliers with their GLNs and tax ids (q: code, name or GLN)",
        tags=("parties",),
        query_model=PartyQuery,
        response_model=PartyList,
        responses=errors(422),
    ),
    Route(
        "GET",
        SUPPLIERS + "/{id}",
        get_supplier,
        name="planning.suppliers.get",
        scope="read:orders",
        summary="One supplier",
        tags=("parties",),
        response_model=PartyOut,
        responses=errors(404),
    ),
]
