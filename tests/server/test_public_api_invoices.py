"""``/api/finance/invoices``: invoices from a sales order, a shipment or explicit lines,
corrections, the ``invoice.created`` event in the same transaction, and bad input."""

from __future__ import annotations

from decimal import Decimal

from tests.server.public_api_support import Api, paths

INVOICES = "/api/finance/invoices"


async def _order_id(api: Api, number: str) -> str:
    (order,) = [
        o
        for o in (await api.json("GET", "/api/sales/orders", 200))["items"]
        if o["number"] == number
    ]
    return str(order["id"])


async def test_an_invoice_from_a_sales_order_is_priced_taxed_and_published(api: Api) -> None:
    order_id = await _order_id(api, "SO-2026-00002")
    body = await api.json(
        "POST",
        INVOICES,
        201,
        json={
            "number": "FV/2026/03/0100",
            "sales_order_id": order_id,
            "issue_date": "2026-03-12",
            "payment_days": 14,
        },
    )
    assert body["customer"]["code"] == "KLOS" and body["due_date"] == "2026-03-26"
    # 80 x 6.80 = 544.00 and 300 x 0.80 = 240.00 at 5 %: VAT per rate 39.20.
    assert (body["net_total"], body["vat_total"], body["gross_total"]) == ("784", "39.2", "823.2")
    assert [ln["vat_rate"] for ln in body["lines"]] == ["5", "5"]
    (event,) = await api.events("invoice.created")
    assert event.data["invoice_id"] == body["id"] and event.data["kind"] == "invoice"
    assert event.data["customer_tax_id"] == "5270000082" and event.data["gross_total"] == "823.2"
    assert await api.json("GET", f"{INVOICES}/{body['id']}", 200) == body
    await api.json("GET", f"{INVOICES}/{body['id']}", 404, org=api.other)
    listed = await api.json("GET", INVOICES, 200, params={"customer": "KLOS"})
    assert [i["number"] for i in listed["items"]] == ["FV/2026/03/0100"]

    again = await api.json(
        "POST", INVOICES, 409, json={"number": "FV/2026/03/0100", "sales_order_id": order_id}
    )
    assert paths(again) == {"/number"}
    assert len(await api.events("invoice.created")) == 1


async def test_explicit_lines_with_several_rates_round_per_rate(api: Api) -> None:
    body = await api.json(
        "POST",
        INVOICES,
        201,
        json={
            "number": "FV/2026/03/0101",
            "customer_code": "LIPA",
            "currency": "EUR",
            "lines": [
                {"product_code": "CHL-ZYT-500", "qty": "3", "unit_price": "0.333"},
                {"product_code": "CHL-ZYT-500", "qty": "3", "unit_price": "0.333"},
                {"product_code": "OPK-TORBA", "qty": "7", "unit_price": "0.15"},
                {"description": "Transport", "qty": 1, "unit_price": "100", "vat_rate": "zw"},
            ],
        },
    )
    nets = [Decimal(ln["net_amount"]) for ln in body["lines"]]
    assert nets == [Decimal("1"), Decimal("1"), Decimal("1.05"), Decimal("100")]
    # 5 %: 2.00 -> 0.10 (per line 0.05 + 0.05); 23 %: 1.05 -> 0.24; zw: 0.
    assert body["vat_total"] == "0.34" and body["currency"] == "EUR"
    assert body["lines"][3]["vat_exemption"] == "zw"


async def test_a_shipment_invoices_what_was_shipped_at_the_orders_prices(api: Api) -> None:
    shipments = (await api.json("GET", "/api/shipping/shipments", 200))["items"]
    (shipment,) = [s for s in shipments if s["number"] == "WZ-2026-0002"]
    body = await api.json(
        "POST", INVOICES, 201, json={"number": "FV/2026/03/0102", "shipment_id": shipment["id"]}
    )
    assert [(ln["qty"], ln["unit_price"]) for ln in body["lines"]] == [("80", "6.8")]
    assert body["shipment_id"] == shipment["id"] and body["sales_order_id"] is not None


async def test_a_correction_names_the_original_and_carries_differences(api: Api) -> None:
    payload = {
        "number": "FV/2026/03/0103",
        "customer_code": "ORZEL",
        "lines": [{"product_code": "CHL-ZYT-500", "qty": "10", "unit_price": "5"}],
    }
    original = await api.json("POST", INVOICES, 201, json=payload)
    correction = await api.json(
        "POST",
        INVOICES,
        201,
        json={
            "number": "FK/2026/03/0001",
            "kind": "correction",
            "customer_code": "ORZEL",
            "corrects_number": "FV/2026/03/0103",
            "correction_reason": "2 loaves returned",
            "lines": [{"product_code": "CHL-ZYT-500", "qty": "-2", "unit_price": "5"}],
        },
    )
    assert correction["corrects_invoice_id"] == original["id"]
    assert correction["corrects_number"] == "FV/2026/03/0103"
    assert (correction["net_total"], correction["gross_total"]) == ("-10", "-10.5")
    events = await api.events("invoice.created")
    assert [e.data["kind"] for e in events] == ["invoice", "correction"]

    of_correction = await api.json(
        "POST",
        INVOICES,
        422,
        json={
            **payload,
            "number": "FK/2",
            "kind": "correction",
            "corrects_invoice_id": correction["id"],
        },
    )
    assert "itself a correction" in of_correction["detail"]


async def test_bad_invoices_are_422_with_every_problem(api: Api) -> None:
    cases = [
        (
            {
                "number": "X1",
                "customer_code": "NOPE",
                "lines": [{"product_code": "NOPE", "qty": 1}],
            },
            {"/customer_code", "/lines/0/product_code"},
        ),
        ({"number": "X2", "customer_code": "ORZEL", "lines": [{"qty": 1}]}, {"/lines/0"}),
        ({"number": "X3", "customer_code": "ORZEL"}, None),
        (
            {
                "number": "X4",
                "customer_code": "ORZEL",
                "kind": "correction",
                "lines": [{"product_code": "CHL-ZYT-500", "qty": 1}],
            },
            None,
        ),
        (
            {
                "number": "X5",
                "customer_code": "ORZEL",
                "lines": [{"product_code": "CHL-ZYT-500", "qty": -1}],
            },
            None,
        ),
        (
            {
                "number": "X6",
                "customer_code": "ORZEL",
                "lines": [{"product_code": "CHL-ZYT-500", "qty": 1, "vat_rate": "7a"}],
            },
            None,
        ),
        (
            {
                "number": "X7",
                "customer_code": "ORZEL",
                "kind": "correction",
                "corrects_number": "NOPE",
                "lines": [{"product_code": "CHL-ZYT-500", "qty": 1}],
            },
            {"/corrects_number"},
        ),
    ]
    cases += [
        (
            {
                "number": "X8",
                "customer_code": "ORZEL",
                "lines": [
                    {"product_code": "CHL-ZYT-500", "qty": "99999999999999", "unit_price": "1"}
                ],
            },
            {"/lines"},
        ),
        (
            {
                "number": "X9",
                "customer_code": "ORZEL",
                "lines": [{"product_code": "CHL-ZYT-500", "qty": 1, "vat_rate": "99.99"}],
            },
            None,
        ),
    ]
    for payload, expected in cases:
        if payload["number"] == "X9":  # an odd rate is MonoPilot's business; Optima checks it
            await api.json("POST", INVOICES, 201, json=payload)
            continue
        problem = await api.json("POST", INVOICES, 422, json=payload)
        if expected is not None:
            assert paths(problem) == expected, payload
    assert [e.data["number"] for e in await api.events("invoice.created")] == ["X9"]
