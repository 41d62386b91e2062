"""The public REST API over the reference domain: purchase and sales orders."""

from __future__ import annotations

import uuid

from tests.server.public_api_support import (
    POS,
    PRODUCTS,
    Api,
    paths,
)

# --- purchase orders ---------------------------------------------------------------------


async def test_purchase_orders_list_filters_and_get(api: Api) -> None:
    body = await api.json("GET", POS, 200)
    assert [o["number"] for o in body["items"]] == ["PO-2026-0002", "PO-2026-0001"]
    assert body["items"][0]["supplier_code"] == "MLECZ-01"
    assert body["items"][0]["lines"][1]["qty_confirmed"] == "35"
    mlyn = await api.one(POS, {"supplier": "MLYN-01"})
    assert mlyn["number"] == "PO-2026-0001"
    by_id = await api.one(POS, {"supplier_id": mlyn["supplier_id"]})
    assert by_id["id"] == mlyn["id"]
    assert (await api.one(POS, {"status": "confirmed"}))["number"] == "PO-2026-0002"
    params = {"supplier": "MLYN-01", "supplier_id": str(uuid.uuid4())}
    assert (await api.json("GET", POS, 200, params=params))["total"] == 0
    assert (await api.json("GET", POS, 200, params={"supplier": "NOPE"}))["items"] == []
    page = await api.json("GET", POS, 200, params={"limit": 1, "offset": 1})
    assert (page["total"], [o["number"] for o in page["items"]]) == (2, ["PO-2026-0001"])
    assert paths(await api.json("GET", POS, 422, params={"status": "lost"})) == {"/status"}

    assert await api.json("GET", f"{POS}/{mlyn['id']}", 200) == mlyn
    await api.json("GET", f"{POS}/{mlyn['id']}", 404, org=api.other)
    await api.json("GET", f"{POS}/PO-2026-0001", 404)


async def test_creating_a_purchase_order_publishes_order_created(api: Api) -> None:
    payload = {
        "number": "PO-2026-0003",
        "supplier_code": "MLYN-01",
        "order_date": "2026-03-11",
        "status": "sent",
        "lines": [
            {"product_code": "MAK-PSZ-750", "qty": 2000, "unit_price": "1.9"},
            {"product_code": "MAK-PSZ-750", "qty": "500.5", "unit_price": 2},
        ],
    }
    body = await api.json("POST", POS, 201, json=payload)
    assert (body["supplier_code"], body["status"], body["currency"]) == ("MLYN-01", "sent", "PLN")
    assert [(ln["line_no"], ln["qty"]) for ln in body["lines"]] == [(1, "2000"), (2, "500.5")]
    (event,) = await api.events("order.created")
    assert event.data["po_id"] == body["id"] and event.data["supplier_code"] == "MLYN-01"
    assert [ln["qty"] for ln in event.data["lines"]] == [2000, 500.5]

    problem = await api.json("POST", POS, 409, json=payload)
    assert paths(problem) == {"/number"}
    assert len(await api.events("order.created")) == 1


async def test_a_purchase_order_with_unknown_codes_lists_every_one(api: Api) -> None:
    product = await api.one(PRODUCTS, {"q": "OPK-TORBA"})
    await api.json("DELETE", f"{PRODUCTS}/{product['id']}", 204)
    payload = {
        "number": "PO-2026-0009",
        "supplier_code": "NOBODY",
        "lines": [
            {"product_code": "MAK-PSZ-750", "qty": 1, "unit_price": 1},
            {"product_code": "NOTHING", "qty": 1, "unit_price": 1},
            {"product_code": "OPK-TORBA", "qty": 1, "unit_price": 1},
        ],
    }
    problem = await api.json("POST", POS, 422, json=payload)
    assert paths(problem) == {"/supplier_code", "/lines/1/product_code", "/lines/2/product_code"}
    shape = await api.json("POST", POS, 422, json={"number": "X", "lines": [{"qty": 0}]})
    assert paths(shape) == {
        "/supplier_code",
        "/lines/0/product_code",
        "/lines/0/qty",
        "/lines/0/unit_price",
    }
    assert await api.events() == []


async def test_updating_a_purchase_order_publishes_its_changes(api: Api) -> None:
    order = await api.one(POS, {"supplier": "MLYN-01"})
    url = f"{POS}/{order['id']}"
    body = await api.json(
        "PUT",
        url,
        200,
        json={
            "status": "confirmed",
            "confirmed_delivery_date": "2026-03-06",
            "notes": order["notes"],
        },
    )
    assert body["status"] == "confirmed" and body["confirmed_delivery_date"] == "2026-03-06"
    (event,) = await api.events("order.updated")
    assert event.data["changes"] == {
        "status": {"old": "sent", "new": "confirmed"},
        "confirmed_delivery_date": {"old": None, "new": "2026-03-06"},
    }
    assert event.data["po_number"] == "PO-2026-0001" and event.data["status"] == "confirmed"
    # Nothing changed: nothing published.
    await api.json("PUT", url, 200, json={"status": "confirmed"})
    await api.json("PUT", url, 200, json={})
    assert len(await api.events("order.updated")) == 1
    await api.json("PUT", url, 200, json={"notes": None})
    assert len(await api.events("order.updated")) == 2

    await api.json("PUT", url, 404, json={"status": "cancelled"}, org=api.other)
    cleared = await api.json("PUT", url, 422, json={"status": None})
    assert paths(cleared) == {"/"} and "status cannot be null" in cleared["detail"]
    assert paths(await api.json("PUT", url, 422, json={"lines": []})) == {"/lines"}
    problem = await api.json("PUT", url, 422, json={"status": "shipped", "total": 1})
    assert paths(problem) == {"/status", "/total"}


# --- sales orders ------------------------------------------------------------------------


async def test_sales_orders_list_filters_and_get(api: Api) -> None:
    path = "/api/sales/orders"
    body = await api.json("GET", path, 200)
    assert [o["number"] for o in body["items"]] == ["SO-2026-00002", "SO-2026-00001"]
    assert [o["customer_code"] for o in body["items"]] == ["KLOS", "ORZEL"]
    assert (await api.one(path, {"customer": "ORZEL"}))["source"] == "edi"
    assert (await api.one(path, {"source": "portal"}))["customer_code"] == "KLOS"
    shipped = await api.one(path, {"status": "shipped"})
    assert shipped["external_reference"] == "ORZ/2026/03/0457"
    assert shipped["lines"][2]["qty"] == "1200"
    assert (await api.one(path, {"customer_id": shipped["customer_id"]}))["id"] == shipped["id"]
    assert (await api.json("GET", path, 200, params={"customer": "NOPE"}))["total"] == 0
    assert paths(await api.json("GET", path, 422, params={"source": "fax"})) == {"/source"}
    assert await api.json("GET", f"{path}/{shipped['id']}", 200) == shipped
    await api.json("GET", f"{path}/{shipped['id']}", 404, org=api.other)
    await api.json("GET", f"{path}/SO-2026-00001", 404)
