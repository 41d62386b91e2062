"""``order.updated`` has one shape whoever changed the order: a supplier confirming in the
portal and an API client changing the status publish the same fields, both valid under
the event catalogue's schema (one builder, ``core.domain.payloads.order_updated``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.catalog import EVENT_TYPES
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import Org

(ORDER_UPDATED,) = [t for t in EVENT_TYPES if t.name == "order.updated"]


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, not the values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


async def test_the_portal_and_the_api_publish_order_updated_in_one_shape(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    portal, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    by_portal = alfa.pos["PO-ALFA-S1-1"]
    order = await (await portal.get(f"/api/portal/supplier/orders/{by_portal}")).json()
    confirmed = await portal.post(
        f"/api/portal/supplier/orders/{by_portal}/confirm",
        json={
            "delivery_date": "2026-03-12",
            "lines": [{"line_id": line["id"], "qty": "40"} for line in order["lines"]],
            "note": "One truck",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert confirmed.status == 200, await confirmed.text()

    _, key = await kernel.api_keys.create(alfa.id, name="erp", scopes=["write:orders"])
    api = await new_client()
    by_api = alfa.pos["PO-ALFA-S1-2"]
    changed = await api.put(
        f"/api/planning/purchase-orders/{by_api}",
        json={"status": "confirmed", "confirmed_delivery_date": "2026-03-12"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert changed.status == 200, await changed.text()

    async with kernel.database.system_session() as s:
        rows = (
            await s.scalars(select(EventRow).where(EventRow.event_type == "order.updated"))
        ).all()
    events = {row.data["po_id"]: row.data for row in rows}
    from_portal, from_api = events[str(by_portal)], events[str(by_api)]
    for data in (from_portal, from_api):
        ORDER_UPDATED.validate(data)  # raises, listing every violation

    assert from_portal["source"] == "supplier_portal" and from_api["source"] == "api"
    assert from_portal["confirmation"] == {
        "note": "One truck",
        "confirmed_by": {"portal_user_id": str(alfa.users["S1"]), "name": "User S1"},
    }
    assert "confirmation" not in from_api  # only a supplier's confirmation has one
    portal_shape = {k: v for k, v in shape(from_portal).items() if k != "confirmation"}
    api_shape = shape(from_api)
    # The same changes in both: the same order fields, the same {old, new} values.
    for data in (from_portal, from_api):
        assert data["changes"]["status"] == {"old": "sent", "new": "confirmed"}
        assert data["changes"]["confirmed_delivery_date"] == {"old": None, "new": "2026-03-12"}
    # The portal also changed each line's confirmed quantity, which the API cannot.
    assert [c["new"] for c in from_portal["changes"].pop("lines.qty_confirmed")] == [40] * len(
        order["lines"]
    )
    assert shape(from_portal["changes"]) == shape(from_api["changes"])
    del portal_shape["changes"], api_shape["changes"]
    # Line quantities: numbers (40, not 40.0 in one and "40" in the other).
    portal_lines, api_lines = portal_shape.pop("lines"), api_shape.pop("lines")
    assert portal_lines[0] == {**api_lines[0], "qty_confirmed": "int"}
    assert api_lines[0]["qty_confirmed"] in ("NoneType", "int", "float")
    assert portal_shape == api_shape
