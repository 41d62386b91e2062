"""The public REST API over the reference domain: products, and the route table itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from monopilot_integrations.server.api import PUBLIC_ROUTES
from tests.server.public_api_support import (
    EVENTS,
    PRODUCTS,
    SHIPMENTS,
    Api,
    instant,
    paths,
)

# --- the routes themselves ---------------------------------------------------------------


def test_every_route_is_named_scoped_and_described() -> None:
    names = [r.name for r in PUBLIC_ROUTES]
    assert len(names) == len(set(names)) == 31
    assert len({(r.method, r.path) for r in PUBLIC_ROUTES}) == 31
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
        "0.85",
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
    assert len(writes) == 11
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
