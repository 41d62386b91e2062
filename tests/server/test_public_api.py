"""The public REST API over the reference domain: a real kernel (SQLite and PostgreSQL), the
demo organisation plus a second one, and the routes served on a real loopback server.

Authentication, rate limits and scope checks are the server's middlewares and are tested
with them; here a stand-in middleware says who the caller is.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from monopilot_integrations.core.domain.seed import load_seed, parse_seed, read_seed_file
from monopilot_integrations.core.http import KERNEL, ORG_ID
from monopilot_integrations.core.integrations import Integrations
from monopilot_integrations.core.tables import EventRow
from monopilot_integrations.server.api import PUBLIC_ROUTES
from monopilot_integrations.server.problems import PROBLEM_JSON, Problem, problem_response

DEMO = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))
ORG_HEADER = "X-Test-Org"
PRODUCTS = "/api/technical/products"
POS = "/api/planning/purchase-orders"
WOS = "/api/production/work-orders"
SHIPMENTS = "/api/shipping/shipments"
EVENTS = "/api/integrations/events"


# --- test scaffolding --------------------------------------------------------------------


@web.middleware
async def stand_in_authentication(request: web.Request, handler: Any) -> web.StreamResponse:
    """TEST SCAFFOLDING, not the server's authentication (tested elsewhere): the caller's
    organisation comes from a test header, and problems are rendered the way the server's
    error middleware renders them."""
    org = request.headers.get(ORG_HEADER)
    if org:
        request[ORG_ID] = uuid.UUID(org)
    try:
        response: web.StreamResponse = await handler(request)
    except Problem as problem:
        return problem_response(request, problem, None)
    return response


def seed_data(code: str) -> dict[str, Any]:
    """The demo organisation under ``code``, plus a planned work order and a planned
    shipment (the demo has neither)."""
    data: dict[str, Any] = read_seed_file(DEMO).model_dump(mode="json", exclude_none=True)
    data["organization"] = {**data["organization"], "code": code, "name": f"Bakery {code}"}
    data["work_orders"].append(
        {"number": "WO-2026-0103", "product_code": "CHL-RAZ-450", "qty_planned": "150"}
    )
    data["shipments"].append(
        {
            "number": "WZ-2026-0002",
            "sales_order_number": "SO-2026-00002",
            "lines": [{"product_code": "CHL-RAZ-450", "qty": "80"}],
        }
    )
    return data


@dataclass
class Api:
    client: TestClient[Any, Any]
    kernel: Integrations
    org: uuid.UUID
    other: uuid.UUID

    async def call(
        self, method: str, path: str, *, org: uuid.UUID | None = None, **kwargs: Any
    ) -> ClientResponse:
        headers = {ORG_HEADER: str(org or self.org), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def json(
        self, method: str, path: str, status: int, *, org: uuid.UUID | None = None, **kw: Any
    ) -> Any:
        response = await self.call(method, path, org=org, **kw)
        body = await response.json(content_type=None)
        assert response.status == status, body
        if status >= 400:
            assert response.content_type == PROBLEM_JSON
            assert body["status"] == status
        return body

    async def events(
        self, event_type: str | None = None, org: uuid.UUID | None = None
    ) -> list[EventRow]:
        """The outbox's rows, each checked against its type's schema in the catalogue."""
        org = org or self.org
        async with self.kernel.session(org) as s:
            stmt = select(EventRow).where(EventRow.org_id == org)
            if event_type is not None:
                stmt = stmt.where(EventRow.event_type == event_type)
            rows = list((await s.execute(stmt)).scalars().all())
        for row in rows:
            self.kernel.registry.event_types[row.event_type].validate(row.data)
        return rows

    async def one(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        (item,) = (await self.json("GET", path, 200, params=params))["items"]
        return dict(item)


@pytest.fixture
async def api(kernel: Integrations) -> AsyncIterator[Api]:
    demo = await load_seed(kernel.database, parse_seed(seed_data("demo")))
    other = await load_seed(kernel.database, parse_seed(seed_data("other")))
    found = await kernel.domain.find_organization_by_code("demo")
    assert found is not None and found.id == demo.org_id
    app = web.Application(middlewares=[stand_in_authentication])
    app[KERNEL] = kernel
    for route in PUBLIC_ROUTES:
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client, kernel, demo.org_id, other.org_id)


def paths(problem: dict[str, Any]) -> set[str]:
    return {e["path"] for e in problem["errors"]}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the routes themselves ---------------------------------------------------------------


def test_every_route_is_named_scoped_and_described() -> None:
    names = [r.name for r in PUBLIC_ROUTES]
    assert len(names) == len(set(names)) == 21
    assert len({(r.method, r.path) for r in PUBLIC_ROUTES}) == 21
    for route in PUBLIC_ROUTES:
        assert route.scope and route.summary and route.tags and not route.public
        assert route.response_model is not None or route.method == "DELETE"
        assert route.responses and all(s >= 400 for s in route.responses)
        if route.method in ("POST", "PUT"):
            assert route.request_model is not None and 415 in route.responses
            assert route.request_model.model_config.get("extra") == "forbid"
        if route.path.endswith("{id}") or "{id}/" in route.path:
            assert 404 in route.responses
    scopes = {(r.method, r.path): r.scope for r in PUBLIC_ROUTES}
    assert scopes[("POST", SHIPMENTS + "/{id}/dispatch")] == "write:orders"
    assert scopes[("POST", EVENTS)] == "events:publish"


# --- products ----------------------------------------------------------------------------


async def test_products_list_filters_and_pages(api: Api) -> None:
    body = await api.json("GET", PRODUCTS, 200)
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (9, 50, 0, 9)
    first = body["items"][0]
    assert first["code"] == "BUL-GRA-80" and first["price"] == "0.95"  # decimals: strings
    assert "org_id" not in first
    page = await api.json("GET", PRODUCTS, 200, params={"limit": 4, "offset": 8})
    assert (page["total"], page["limit"], page["offset"]) == (9, 4, 8)
    assert [p["code"] for p in page["items"]] == ["OPK-TORBA"]
    found = await api.json("GET", PRODUCTS, 200, params={"q": "chl-"})
    assert [p["code"] for p in found["items"]] == ["CHL-PSZ-600", "CHL-RAZ-450", "CHL-ZYT-500"]
    assert (await api.json("GET", PRODUCTS, 200, params={"active": "false"}))["total"] == 0

    since = datetime.now(UTC)
    await api.json(
        "POST",
        PRODUCTS,
        201,
        json={"code": "NEW", "name": "New", "unit": "szt", "price": 1, "vat_rate": 5},
    )
    recent = await api.json("GET", PRODUCTS, 200, params={"updated_since": since.isoformat()})
    assert [p["code"] for p in recent["items"]] == ["NEW"]


async def test_bad_queries_are_422_listing_every_error(api: Api) -> None:
    problem = await api.json(
        "GET", PRODUCTS, 422, params={"limit": 0, "offset": -1, "active": "maybe", "colour": "x"}
    )
    assert paths(problem) == {"/limit", "/offset", "/active", "/colour"}
    assert all(e["location"] == "query" for e in problem["errors"])
    await api.json("GET", PRODUCTS, 422, params={"limit": 201})
    naive = await api.json("GET", PRODUCTS, 422, params={"updated_since": "2026-03-01T00:00:00"})
    assert paths(naive) == {"/updated_since"}


async def test_a_product_by_id_is_404_for_another_org_and_malformed_ids(api: Api) -> None:
    product = await api.one(PRODUCTS, {"q": "MAS-EXTRA"})
    body = await api.json("GET", f"{PRODUCTS}/{product['id']}", 200)
    assert body == product
    other = await api.json("GET", f"{PRODUCTS}/{product['id']}", 404, org=api.other)
    unknown = await api.json("GET", f"{PRODUCTS}/{uuid.uuid4()}", 404)
    assert other["title"] == unknown["title"] == "Not found"
    for bad in ("not-a-uuid", "123", "%20"):
        await api.json("GET", f"{PRODUCTS}/{bad}", 404)
        await api.json("PUT", f"{PRODUCTS}/{bad}", 404, json={"name": "x"})
        await api.json("DELETE", f"{PRODUCTS}/{bad}", 404)


async def test_creating_a_product_publishes_product_created(api: Api) -> None:
    payload = {
        "code": "BUL-MAK-70",
        "name": "Bułka z makiem 70 g",
        "unit": "szt",
        "price": "0.85",
        "vat_rate": 5,
        "gtin": "5901234100106",
        "reorder_level": 400,
    }
    response = await api.call("POST", PRODUCTS, json=payload)
    body = await response.json()
    assert response.status == 201, body
    assert response.headers["Location"] == f"{PRODUCTS}/{body['id']}"
    assert (body["price"], body["vat_rate"], body["reorder_level"]) == ("0.85", "5", "400")
    assert body["currency"] == "PLN" and body["active"] is True
    (event,) = await api.events("product.created")
    assert event.data["product_id"] == body["id"]
    assert (event.data["code"], event.data["price"], event.data["gtin"]) == (
        "BUL-MAK-70",
        0.85,
        "5901234100106",
    )
    assert await api.events(org=api.other) == []
    # Codes are per organisation.
    await api.json("POST", PRODUCTS, 201, json=payload, org=api.other)


async def test_a_duplicate_code_is_409_and_publishes_nothing(api: Api) -> None:
    payload = {"code": "CHL-ZYT-500", "name": "Again", "unit": "szt", "price": 1, "vat_rate": 5}
    problem = await api.json("POST", PRODUCTS, 409, json=payload)
    assert "CHL-ZYT-500" in problem["detail"] and paths(problem) == {"/code"}
    product = await api.one(PRODUCTS, {"q": "CHL-PSZ-600"})
    await api.json("PUT", f"{PRODUCTS}/{product['id']}", 409, json={"code": "CHL-ZYT-500"})
    assert await api.events() == []


async def test_a_write_that_fails_after_publishing_keeps_neither_row_nor_event(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish = api.kernel.publish

    async def publish_then_fail(*args: Any, **kwargs: Any) -> uuid.UUID:
        await publish(*args, **kwargs)
        raise RuntimeError("the connection dropped before the commit")

    monkeypatch.setattr(api.kernel, "publish", publish_then_fail)
    payload = {"code": "LOST-1", "name": "Lost", "unit": "szt", "price": 1, "vat_rate": 5}
    response = await api.call("POST", PRODUCTS, json=payload)
    assert response.status == 500
    monkeypatch.undo()
    assert await api.events() == []
    assert (await api.json("GET", PRODUCTS, 200, params={"q": "LOST-1"}))["total"] == 0


async def test_bad_product_bodies_are_422_listing_every_error(api: Api) -> None:
    problem = await api.json(
        "POST",
        PRODUCTS,
        422,
        json={"code": "", "name": "x", "price": -1, "vat_rate": 200, "gtin": "12", "colour": 1},
    )
    assert paths(problem) == {"/code", "/unit", "/price", "/vat_rate", "/gtin", "/colour"}
    assert all(e["location"] == "body" and e["message"] for e in problem["errors"])
    too_precise = {"code": "X", "name": "x", "unit": "kg", "price": "1.23456", "vat_rate": 5}
    assert paths(await api.json("POST", PRODUCTS, 422, json=too_precise)) == {"/price"}
    product = await api.one(PRODUCTS, {"q": "MAS-EXTRA"})
    cleared = await api.json("PUT", f"{PRODUCTS}/{product['id']}", 422, json={"name": None})
    assert "name" in cleared["detail"]
    await api.json("POST", PRODUCTS, 422, json=[1, 2])
    invalid_json = await api.json(
        "POST", PRODUCTS, 400, data="{", headers={"Content-Type": "application/json"}
    )
    assert invalid_json["type"].endswith("invalid-json")


async def test_a_body_that_is_not_json_is_415_on_every_write_route(api: Api) -> None:
    writes = [r for r in PUBLIC_ROUTES if r.method in ("POST", "PUT")]
    assert len(writes) == 9
    for route in writes:
        path = route.path.replace("{id}", str(uuid.uuid4()))
        problem = await api.json(
            route.method, path, 415, data="code=X", headers={"Content-Type": "text/plain"}
        )
        assert "application/json" in problem["detail"]
    assert await api.events() == []


async def test_updating_and_deleting_a_product(api: Api) -> None:
    product = await api.one(PRODUCTS, {"q": "MAS-EXTRA"})
    url = f"{PRODUCTS}/{product['id']}"
    same = await api.json("PUT", url, 200, json={"name": product["name"], "price": "32.0"})
    assert same["updated_at"] == product["updated_at"]  # nothing changed, nothing written
    changed = await api.json("PUT", url, 200, json={"price": 33.5, "gtin": None})
    assert (changed["price"], changed["gtin"], changed["name"]) == ("33.5", None, product["name"])
    assert instant(changed["updated_at"]) > instant(product["updated_at"])
    # The other organisation cannot touch it, and its own MAS-EXTRA is untouched.
    await api.json("PUT", url, 404, json={"price": 1}, org=api.other)
    await api.json("DELETE", url, 404, org=api.other)
    theirs = await api.json("GET", PRODUCTS, 200, org=api.other, params={"q": "MAS-EXTRA"})
    assert [(p["price"], p["active"]) for p in theirs["items"]] == [("32", True)]

    response = await api.call("DELETE", url)
    assert response.status == 204 and await response.read() == b""
    assert (await api.json("GET", url, 200))["active"] is False
    active = await api.json("GET", PRODUCTS, 200, params={"active": "true"})
    assert product["code"] not in {p["code"] for p in active["items"]}
    assert (await api.json("GET", PRODUCTS, 200, org=api.other, params={"active": "true"}))[
        "total"
    ] == 9
    await api.json("DELETE", f"{PRODUCTS}/{uuid.uuid4()}", 404)
    assert await api.events() == []  # only creation publishes


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


# --- warehouse ---------------------------------------------------------------------------


async def test_inventory_list_filters_and_pages(api: Api) -> None:
    path = "/api/warehouse/inventory"
    body = await api.json("GET", path, 200)
    assert body["total"] == 9 and body["items"][0]["product_code"] == "BUL-GRA-80"
    assert (await api.one(path, {"product": "DRO-SWIEZE"}))["qty"] == "26.5"
    raw = await api.json("GET", path, 200, params={"location": "MAG-SUROWCE"})
    assert [i["product_code"] for i in raw["items"]] == ["DRO-SWIEZE", "MAK-PSZ-750", "MAS-EXTRA"]
    assert (await api.one(path, {"below_reorder": "true"}))["product_code"] == "CHL-RAZ-450"
    assert (await api.json("GET", path, 200, params={"below_reorder": "false"}))["total"] == 8
    page = await api.json("GET", path, 200, params={"limit": 2, "offset": 2})
    assert (page["total"], len(page["items"])) == (9, 2)
    assert (await api.json("GET", path, 200, params={"product": "NOPE"}))["total"] == 0


async def test_inventory_low_is_published_only_when_a_move_crosses_the_level(api: Api) -> None:
    """MAS-EXTRA: 75 kg in stock, reorder level 50."""

    async def move(qty: Any, **extra: Any) -> dict[str, Any]:
        payload = {
            "product_code": "MAS-EXTRA",
            "location": "MAG-SUROWCE",
            "qty": qty,
            "reason": "adjustment",
            "reference": "count-7",
            **extra,
        }
        return dict(await api.json("POST", "/api/warehouse/moves", 201, json=payload))

    async def lows() -> int:
        return len(await api.events("inventory.low"))

    first = await move(-25)  # 75 -> 50: at the level, not below
    assert (first["product_qty"], first["below_reorder"], await lows()) == ("50", False, 0)
    assert first["move"]["qty"] == "-25" and first["move"]["product_code"] == "MAS-EXTRA"
    assert first["level"]["qty"] == "50" and first["reorder_level"] == "50"
    crossing = await move("-0.5")  # 50 -> 49.5: crosses
    assert crossing["below_reorder"] is True and await lows() == 1
    await move(-10)  # still below: no new event
    await move(5, location="MAG-CHLODNIA")  # another location, total still below
    assert await lows() == 1
    await move(40)  # back above
    assert await lows() == 1
    await move(-40)  # crosses again
    events = await api.events("inventory.low")
    assert len(events) == 2
    assert {e.data["qty"] for e in events} == {49.5, 44.5}
    assert {(e.data["product_code"], e.data["reorder_level"]) for e in events} == {
        ("MAS-EXTRA", 50)
    }
    # Receipts never publish it, even for a product already below (CHL-RAZ-450).
    await move(10, product_code="CHL-RAZ-450", location="MAG-WYROBY", reason="receipt")
    assert await lows() == 2


async def test_moves_refuse_negative_stock_and_bad_bodies(api: Api) -> None:
    path = "/api/warehouse/moves"
    payload = {
        "product_code": "DRO-SWIEZE",
        "location": "MAG-SUROWCE",
        "qty": -100,
        "reason": "consumption",
    }
    problem = await api.json("POST", path, 422, json=payload)
    assert "only 26.5 in stock" in problem["detail"] and paths(problem) == {"/qty"}
    assert (await api.one("/api/warehouse/inventory", {"product": "DRO-SWIEZE"}))["qty"] == "26.5"
    unknown = await api.json("POST", path, 422, json={**payload, "product_code": "NOPE"})
    assert paths(unknown) == {"/product_code"}
    bad = await api.json("POST", path, 422, json={"qty": 0, "reason": "theft", "location": ""})
    assert {"/product_code", "/reason", "/location"} <= paths(bad)
    assert await api.events() == []


# --- production --------------------------------------------------------------------------


async def test_work_orders_list_and_get(api: Api) -> None:
    body = await api.json("GET", WOS, 200)
    assert [w["number"] for w in body["items"]] == ["WO-2026-0101", "WO-2026-0102", "WO-2026-0103"]
    planned = await api.one(WOS, {"status": "planned"})
    assert (planned["number"], planned["qty_planned"]) == ("WO-2026-0103", "150")
    assert (await api.one(WOS, {"product": "BUL-KAJ-60"}))["status"] == "in_progress"
    page = await api.json("GET", WOS, 200, params={"limit": 1, "offset": 2})
    assert [w["number"] for w in page["items"]] == ["WO-2026-0103"]
    assert await api.json("GET", f"{WOS}/{planned['id']}", 200) == planned
    await api.json("GET", f"{WOS}/{planned['id']}", 404, org=api.other)
    await api.json("GET", f"{WOS}/x", 404)
    assert paths(await api.json("GET", WOS, 422, params={"status": "paused"})) == {"/status"}


async def test_consumption_can_start_a_work_order(api: Api) -> None:
    wo = await api.one(WOS, {"status": "planned"})
    payload = {
        "work_order_id": wo["id"],
        "start": True,
        "lines": [
            {"product_code": "MAK-PSZ-750", "qty": 1250, "location": "MAG-SUROWCE"},
            {"product_code": "DRO-SWIEZE", "qty": "7", "location": "MAG-SUROWCE"},
        ],
    }
    body = await api.json("POST", "/api/production/consumption", 201, json=payload)
    assert body["started"] is True and body["work_order"]["status"] == "in_progress"
    assert [(m["product_code"], m["qty"], m["reason"], m["reference"]) for m in body["moves"]] == [
        ("MAK-PSZ-750", "-1250", "consumption", "WO-2026-0103"),
        ("DRO-SWIEZE", "-7", "consumption", "WO-2026-0103"),
    ]
    (started,) = await api.events("workorder.started")
    assert started.data["wo_id"] == wo["id"] and started.data["qty_planned"] == 150
    # Flour 3200 -> 1950 (below 2000), yeast 26.5 -> 19.5 (below 20): both cross.
    lows = await api.events("inventory.low")
    assert sorted(e.data["product_code"] for e in lows) == ["DRO-SWIEZE", "MAK-PSZ-750"]

    again = {**payload, "lines": payload["lines"][:1]}
    second = await api.json("POST", "/api/production/consumption", 201, json=again)
    assert second["started"] is False  # already in progress: no second started event
    assert len(await api.events("workorder.started")) == 1


async def test_a_refused_consumption_rolls_back_and_publishes_nothing(api: Api) -> None:
    wo = await api.one(WOS, {"status": "planned"})
    payload = {
        "work_order_id": wo["id"],
        "start": True,
        "lines": [
            {"product_code": "MAK-PSZ-750", "qty": 10, "location": "MAG-SUROWCE"},
            {"product_code": "DRO-SWIEZE", "qty": 1000, "location": "MAG-SUROWCE"},
            {"product_code": "MAS-EXTRA", "qty": 1, "location": "NOWHERE"},
        ],
    }
    problem = await api.json("POST", "/api/production/consumption", 422, json=payload)
    assert paths(problem) == {"/lines/1/qty", "/lines/2/qty"}
    assert "only 26.5 in stock" in problem["errors"][0]["message"]
    # The start, the first move and their events were rolled back with the rest.
    assert await api.events() == []
    assert (await api.json("GET", f"{WOS}/{wo['id']}", 200))["status"] == "planned"
    flour = await api.one("/api/warehouse/inventory", {"product": "MAK-PSZ-750"})
    assert flour["qty"] == "3200"

    unknown = {**payload, "lines": [{"product_code": "NOPE", "qty": 1, "location": "A"}]}
    assert paths(await api.json("POST", "/api/production/consumption", 422, json=unknown)) == {
        "/lines/0/product_code"
    }


async def test_consumption_needs_a_work_order_in_progress(api: Api) -> None:
    path = "/api/production/consumption"
    line = {"product_code": "MAK-PSZ-750", "qty": 1, "location": "MAG-SUROWCE"}
    planned = await api.one(WOS, {"status": "planned"})
    done = await api.one(WOS, {"status": "completed"})
    problem = await api.json(
        "POST", path, 409, json={"work_order_id": planned["id"], "lines": [line]}
    )
    assert "start: true" in problem["detail"]
    await api.json(
        "POST", path, 409, json={"work_order_id": done["id"], "start": True, "lines": [line]}
    )
    await api.json(
        "POST", path, 404, json={"work_order_id": planned["id"], "lines": [line]}, org=api.other
    )
    await api.json("POST", path, 404, json={"work_order_id": str(uuid.uuid4()), "lines": [line]})
    bad = await api.json("POST", path, 422, json={"work_order_id": "WO-2026-0103"})
    assert paths(bad) == {"/work_order_id"}
    nothing = await api.json("POST", path, 422, json={"work_order_id": planned["id"]})
    assert "start: true" in nothing["detail"] and paths(nothing) == {"/"}
    assert await api.events() == []


async def test_completing_a_work_order_publishes_workorder_completed(api: Api) -> None:
    wo = await api.one(WOS, {"status": "in_progress"})  # BUL-KAJ-60, 1200 of 3000 so far
    url = f"{WOS}/{wo['id']}/complete"
    body = await api.json(
        "POST", url, 200, json={"qty_completed": 2950, "output_location": "MAG-WYROBY"}
    )
    assert body["work_order"]["status"] == "completed"
    assert body["work_order"]["qty_completed"] == "2950"
    assert body["work_order"]["completed_at"] is not None
    move = body["output_move"]
    assert (move["qty"], move["reason"], move["reference"]) == ("1750", "production", wo["number"])
    assert (await api.one("/api/warehouse/inventory", {"product": "BUL-KAJ-60"}))["qty"] == "3550"
    (event,) = await api.events("workorder.completed")
    assert (event.data["wo_number"], event.data["qty_completed"]) == (wo["number"], 2950)
    assert event.data["completed_at"].endswith("Z")

    await api.json("POST", url, 409, json={"qty_completed": 3000})
    planned = await api.one(WOS, {"status": "planned"})
    other_url = f"{WOS}/{planned['id']}/complete"
    await api.json("POST", other_url, 404, json={"qty_completed": 1}, org=api.other)
    await api.json("POST", f"{WOS}/nope/complete", 404, json={"qty_completed": 1})
    bad = await api.json("POST", other_url, 422, json={"qty_completed": -1, "extra": True})
    assert paths(bad) == {"/qty_completed", "/extra"}
    assert len(await api.events("workorder.completed")) == 1


# --- shipping ----------------------------------------------------------------------------


async def test_shipments_list_filters_and_get(api: Api) -> None:
    body = await api.json("GET", SHIPMENTS, 200)
    assert body["total"] == 2
    dispatched = await api.one(SHIPMENTS, {"status": "dispatched"})
    assert dispatched["number"] == "WZ-2026-0001" and dispatched["carrier"] == "DPD Polska"
    assert dispatched["customer"]["code"] == "ORZEL"
    assert dispatched["lines"][0]["sscc"] == "359012340000000018"
    assert (await api.one(SHIPMENTS, {"customer": "KLOS"}))["status"] == "planned"
    params = {"customer_id": dispatched["customer"]["id"]}
    assert (await api.one(SHIPMENTS, params))["id"] == dispatched["id"]
    assert (await api.json("GET", SHIPMENTS, 200, params={"customer": "LIPA"}))["total"] == 0
    page = await api.json("GET", SHIPMENTS, 200, params={"limit": 1})
    assert (page["total"], len(page["items"]), page["limit"]) == (2, 1, 1)
    assert await api.json("GET", f"{SHIPMENTS}/{dispatched['id']}", 200) == dispatched
    await api.json("GET", f"{SHIPMENTS}/{dispatched['id']}", 404, org=api.other)
    await api.json("GET", f"{SHIPMENTS}/WZ-2026-0001", 404)


async def test_dispatching_a_shipment_publishes_shipment_dispatched(api: Api) -> None:
    planned = await api.one(SHIPMENTS, {"status": "planned"})
    url = f"{SHIPMENTS}/{planned['id']}/dispatch"
    await api.json("POST", url, 404, json={"carrier": "DPD"}, org=api.other)
    bad = await api.json("POST", url, 422, json={"tracking_url": "not a url", "carrier": ""})
    assert paths(bad) == {"/tracking_url", "/carrier"}
    body = await api.json(
        "POST",
        url,
        200,
        json={
            "carrier": "InPost",
            "tracking_number": "6200123",
            "tracking_url": "https://inpost.pl/sledzenie?number=6200123",
            "dispatched_at": "2026-03-12T05:30:00+01:00",
        },
    )
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "dispatched",
        "InPost",
        "6200123",
    )
    assert body["dispatched_at"].startswith("2026-03-12T04:30:00")
    (event,) = await api.events("shipment.dispatched")
    assert event.data["shipment_number"] == "WZ-2026-0002"
    assert (event.data["customer_code"], event.data["sales_order_number"]) == (
        "KLOS",
        "SO-2026-00002",
    )
    assert event.data["dispatched_at"] == "2026-03-12T04:30:00Z"
    assert event.data["lines"] == [
        {"line_no": 1, "product_code": "CHL-RAZ-450", "qty": 80, "batch": None, "sscc": None}
    ]
    problem = await api.json("POST", url, 409, json={"carrier": "DHL"})
    assert "already dispatched" in problem["detail"]
    assert len(await api.events("shipment.dispatched")) == 1


# --- events ------------------------------------------------------------------------------


async def test_publishing_an_event(api: Api) -> None:
    data = {"wo_number": "WO-2026-0102", "qty_completed": 1200, "product_code": "BUL-KAJ-60"}
    body = await api.json(
        "POST", EVENTS, 202, json={"event_type": "workorder.completed", "data": data}
    )
    assert body["replayed"] is False
    (row,) = await api.events()
    assert (str(row.id), row.event_type, row.data) == (body["id"], "workorder.completed", data)
    assert await api.events(org=api.other) == []


async def test_unknown_types_and_invalid_data_are_422_listing_every_error(api: Api) -> None:
    unknown = await api.json("POST", EVENTS, 422, json={"event_type": "order.lost", "data": {}})
    assert paths(unknown) == {"/event_type"}
    assert "order.created" in unknown["errors"][0]["message"]
    invalid = await api.json(
        "POST",
        EVENTS,
        422,
        json={
            "event_type": "inventory.low",
            "data": {"product_code": "", "qty": "eighty", "location": 7},
        },
    )
    assert paths(invalid) == {"/data", "/data/product_code", "/data/qty", "/data/location"}
    not_object = await api.json(
        "POST", EVENTS, 422, json={"event_type": "inventory.low", "data": [1], "extra": 1}
    )
    assert paths(not_object) == {"/data", "/extra"}
    assert await api.events() == []


async def test_an_idempotency_key_publishes_once(api: Api) -> None:
    data = {"product_code": "MAS-EXTRA", "qty": 40, "reorder_level": 50}
    request = {"event_type": "inventory.low", "idempotency_key": "low-2026-03-12", "data": data}
    first = await api.json("POST", EVENTS, 202, json=request)
    again = await api.json("POST", EVENTS, 202, json=request)
    assert (again["id"], first["replayed"], again["replayed"]) == (first["id"], False, True)
    assert [str(r.id) for r in await api.events()] == [first["id"]]
    changed = {**request, "data": {**data, "qty": 30}}
    problem = await api.json("POST", EVENTS, 409, json=changed)
    assert paths(problem) == {"/idempotency_key"}
    # Keys are per organisation.
    theirs = await api.json("POST", EVENTS, 202, json=request, org=api.other)
    assert theirs["id"] != first["id"] and theirs["replayed"] is False
    assert len(await api.events()) == 1


async def test_concurrent_requests_with_one_idempotency_key_publish_once(api: Api) -> None:
    request = {
        "event_type": "product.created",
        "idempotency_key": "import-42/row-7",
        "data": {"product_id": str(uuid.uuid4()), "code": "X-1", "name": "X"},
    }
    bodies = await asyncio.gather(*(api.json("POST", EVENTS, 202, json=request) for _ in range(6)))
    assert len({b["id"] for b in bodies}) == 1
    assert sorted(b["replayed"] for b in bodies) == [False] + [True] * 5
    assert len(await api.events()) == 1


async def test_a_route_reached_without_an_organisation_is_refused(api: Api) -> None:
    response = await api.client.get(PRODUCTS)
    assert response.status == 401
