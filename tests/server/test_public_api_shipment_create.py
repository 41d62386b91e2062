"""``POST /api/shipping/shipments``: a planned shipment of a sales order, packed on pallets
(an SSCC per package, a mixed pallet carrying several lines), without ``seed``."""

from __future__ import annotations

import uuid
from typing import Any

from tests.server.public_api_support import SHIPMENTS, Api, paths

ORDERS = "/api/sales/orders"


async def _order(api: Api, number: str) -> dict[str, Any]:
    items = (await api.json("GET", ORDERS, 200))["items"]
    return next(o for o in items if o["number"] == number)


def _body(order_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "number": "WZ-2026-0412",
        "sales_order_id": order_id,
        "carrier": "Raben",
        "packages": [
            {
                "sscc": "359012340000000049",
                "lines": [
                    {"product_code": "CHL-RAZ-450", "qty": "40", "batch": "R261129"},
                    {"product_code": "BUL-GRA-80", "qty": "300", "best_before": "2026-12-02"},
                ],
            },
            {"sscc": "359012340000000056", "lines": [{"product_code": "CHL-RAZ-450", "qty": 40}]},
        ],
        **changes,
    }


async def test_a_shipment_is_created_with_packages_and_ssccs(api: Api) -> None:
    order = await _order(api, "SO-2026-00002")

    created = await api.json("POST", SHIPMENTS, 201, json=_body(order["id"]))

    assert (created["number"], created["status"], created["carrier"]) == (
        "WZ-2026-0412",
        "planned",
        "Raben",
    )
    assert created["sales_order_id"] == order["id"]
    assert created["customer"]["code"] == "KLOS"
    lines = [(x["line_no"], x["product_code"], x["qty"], x["sscc"]) for x in created["lines"]]
    assert lines == [
        (1, "CHL-RAZ-450", "40", "359012340000000049"),
        (2, "BUL-GRA-80", "300", "359012340000000049"),
        (3, "CHL-RAZ-450", "40", "359012340000000056"),
    ]
    shipment = await api.kernel.domain.get_shipment(api.org, uuid.UUID(created["id"]))
    assert shipment is not None
    assert [(p.sscc, len(p.lines)) for p in shipment.packages] == [
        ("359012340000000049", 2),
        ("359012340000000056", 1),
    ]
    assert await api.json("GET", f"{SHIPMENTS}/{created['id']}", 200) == created
    again = await api.json("POST", SHIPMENTS, 422, json=_body(order["id"]))
    assert "already used" in again["detail"]


async def test_a_bad_shipment_is_a_clear_422(api: Api) -> None:
    order = await _order(api, "SO-2026-00002")
    bad_sscc = _body(
        order["id"], packages=[{"sscc": "3590", "lines": [{"product_code": "X", "qty": 1}]}]
    )
    assert "/packages/0/sscc" in paths(await api.json("POST", SHIPMENTS, 422, json=bad_sscc))
    unknown = _body(order["id"], packages=[{"lines": [{"product_code": "NO-SUCH", "qty": 1}]}])
    problem = await api.json("POST", SHIPMENTS, 422, json=unknown)
    assert "/packages/0/lines/0/product_code" in paths(problem)
    foreign = await api.json("POST", SHIPMENTS, 422, json=_body(order["id"]), org=api.other)
    assert "/sales_order_id" in paths(foreign)
    empty = await api.json("POST", SHIPMENTS, 422, json=_body(order["id"], packages=[]))
    assert "/packages" in paths(empty)


async def test_an_sscc_names_one_package_of_the_organisation(api: Api) -> None:
    order = await _order(api, "SO-2026-00002")
    line = {"product_code": "CHL-RAZ-450", "qty": 1}
    twice = _body(
        order["id"],
        packages=[{"sscc": "359012340000000049", "lines": [line]}] * 2,
    )
    problem = await api.json("POST", SHIPMENTS, 422, json=twice)
    assert "/packages/1/sscc" in paths(problem) and "listed twice" in problem["detail"]
    # the demo's shipment WZ-2026-0001 has the pallet 359012340000000018 already
    taken = _body(order["id"], packages=[{"sscc": "359012340000000018", "lines": [line]}])
    problem = await api.json("POST", SHIPMENTS, 422, json=taken)
    assert "/packages/0/sscc" in paths(problem) and "another package" in problem["detail"]
    bad_type = _body(order["id"], packages=[{"package_type": "pallet", "lines": [line]}])
    assert "/packages/0/package_type" in paths(
        await api.json("POST", SHIPMENTS, 422, json=bad_type)
    )
    no_weight = _body(order["id"], packages=[{"gross_weight": 0, "lines": [line]}])
    assert "/packages/0/gross_weight" in paths(
        await api.json("POST", SHIPMENTS, 422, json=no_weight)
    )
