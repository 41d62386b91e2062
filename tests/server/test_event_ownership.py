"""Event types a connector publishes itself (``webhook.disabled``, ``edi.*``) cannot be
published through the API, whatever the key's scopes: they report what the connector saw,
and a forged one would raise alerts about things that never happened."""

from __future__ import annotations

from sqlalchemy import func, select

from monopilot_integrations.core.db.tables import EventRow
from tests.server.conftest import ORG_A, Server

EVENTS = "/api/integrations/events"

FORGED = {
    "webhook.disabled": {
        "webhook_id": "0196a3e2-7c1d-7b8e-9f00-1a2b3c4d5e6f",
        "name": "ERP bridge",
        "url": "https://erp.example.com/hooks",
        "reason": "gone",
        "disabled_at": "2026-03-06T08:00:00Z",
    },
    "edi.message.failed": {
        "message_id": "0190f5a2-7c4e-7d3a-9b1e-2f4a6c8e0a11",
        "direction": "inbound",
        "message_type": "ORDERS",
        "error": "forged",
    },
}


async def _outbox_count(server: Server) -> int:
    async with server.kernel.session(ORG_A) as session:
        count = await session.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.org_id == ORG_A)
        )
    return int(count or 0)


async def test_connector_owned_event_types_are_refused_with_403(server: Server) -> None:
    types = server.kernel.registry.event_types
    owned = {str(name) for name, t in types.items() if t.owner is not None}
    assert "webhook.disabled" in owned and "edi.message.failed" in owned
    assert {t.owner for t in types.values() if t.name.startswith("edi.")} == {"edi"}
    assert types["order.created"].owner is None
    for event_type, data in FORGED.items():
        response = await server.client.post(
            EVENTS, json={"event_type": event_type, "data": data}, headers=server.auth()
        )
        body = await response.json()
        assert response.status == 403, body
        assert response.content_type == "application/problem+json"
        assert body["type"].endswith("event-type-not-publishable")
        owner = types[event_type].owner
        assert f"published by the {owner} connector only" in body["detail"]
    assert await _outbox_count(server) == 0


async def test_domain_events_are_still_published_and_connectors_publish_their_own(
    server: Server,
) -> None:
    data = {"wo_number": "WO-1", "qty_completed": 5}
    response = await server.client.post(
        EVENTS, json={"event_type": "workorder.completed", "data": data}, headers=server.auth()
    )
    assert response.status == 202, await response.text()
    # The kernel's own publish (what the webhooks connector calls) takes an owned type.
    await server.kernel.publish(ORG_A, "webhook.disabled", FORGED["webhook.disabled"])
    assert await _outbox_count(server) == 2
