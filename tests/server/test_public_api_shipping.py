"""The public REST API over the reference domain: shipments and published events."""

from __future__ import annotations

import asyncio
import uuid

from tests.server.public_api_support import (
    EVENTS,
    PRODUCTS,
    SHIPMENTS,
    Api,
    paths,
)

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
