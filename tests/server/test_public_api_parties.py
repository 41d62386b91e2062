"""Customers, suppliers (with GLNs and tax ids) and invoices through the public API: the
ids a partner profile and ``POST /edi/send`` need, under ``read:orders``."""

from __future__ import annotations

import uuid
from decimal import Decimal

from monopilot_integrations.server.api import PUBLIC_ROUTES
from tests.server.public_api_support import Api

CUSTOMERS = "/api/sales/customers"
SUPPLIERS = "/api/planning/suppliers"
INVOICES = "/api/sales/invoices"


def test_the_new_read_routes_need_read_orders() -> None:
    scopes = {(r.method, r.path): r.scope for r in PUBLIC_ROUTES}
    for path in (CUSTOMERS, SUPPLIERS, INVOICES):
        assert scopes[("GET", path)] == scopes[("GET", path + "/{id}")] == "read:orders"


async def test_customers_are_listed_with_their_glns_and_tax_ids(api: Api) -> None:
    body = await api.json("GET", CUSTOMERS, 200)
    assert body["total"] == 3
    orzel = next(c for c in body["items"] if c["code"] == "ORZEL")
    assert (orzel["gln"], orzel["tax_id"]) == ("5901234000048", "5220000074")
    assert "org_id" not in orzel
    found = await api.json("GET", CUSTOMERS, 200, params={"q": "5901234000055"})
    assert [c["code"] for c in found["items"]] == ["KLOS"]
    one = await api.json("GET", f"{CUSTOMERS}/{orzel['id']}", 200)
    assert one == orzel
    # another organisation's customer, an unknown and a malformed id: the same 404
    await api.json("GET", f"{CUSTOMERS}/{orzel['id']}", 404, org=api.other)
    await api.json("GET", f"{CUSTOMERS}/{uuid.uuid4()}", 404)
    await api.json("GET", f"{CUSTOMERS}/not-an-id", 404)
    await api.json("GET", CUSTOMERS, 422, params={"limit": 0})


async def test_suppliers_are_listed_with_their_glns_and_tax_ids(api: Api) -> None:
    body = await api.json("GET", SUPPLIERS, 200)
    assert body["total"] >= 1
    first = body["items"][0]
    assert {"id", "code", "name", "gln", "tax_id"} <= set(first)
    assert await api.json("GET", f"{SUPPLIERS}/{first['id']}", 200) == first
    await api.json("GET", f"{SUPPLIERS}/{first['id']}", 404, org=api.other)


async def test_invoices_are_listed_and_read_with_lines_and_totals(api: Api) -> None:
    body = await api.json("GET", INVOICES, 200)
    assert body["total"] >= 1
    invoice = next(i for i in body["items"] if i["number"] == "FV/2026/03/0001")
    assert invoice["customer"]["code"] == "ORZEL"
    assert invoice["customer"]["gln"] == "5901234000048"
    net = sum(Decimal(line["net_amount"]) for line in invoice["lines"])
    assert net == Decimal(invoice["net_total"])
    assert Decimal(invoice["net_total"]) + Decimal(invoice["vat_total"]) == Decimal(
        invoice["gross_total"]
    )
    assert await api.json("GET", f"{INVOICES}/{invoice['id']}", 200) == invoice
    by_code = await api.json("GET", INVOICES, 200, params={"customer": "ORZEL"})
    assert invoice["id"] in {i["id"] for i in by_code["items"]}
    nobody = await api.json("GET", INVOICES, 200, params={"customer": "NOBODY"})
    assert nobody["total"] == 0
    await api.json("GET", f"{INVOICES}/{invoice['id']}", 404, org=api.other)
    await api.json("GET", INVOICES, 422, params={"sync_status": "lost"})
