"""The public REST API over the reference domain: inventory, moves and production."""

from __future__ import annotations

import uuid
from typing import Any

from tests.server.public_api_support import (
    WOS,
    Api,
    paths,
)

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
